/**
 * Told of every retry of a use case after a lock conflict (deadlock,
 * serialization failure, lock timeout), so that metrics can count them
 * without libs/persistence knowing what does. Optional: the composition root
 * binds it (libs/observability).
 */
export abstract class ConflictRetryObserver {
  /** `sqlState`: 40P01 deadlock, 40001 serialization failure, 55P03 lock timeout. */
  abstract retrying(sqlState: string): void;
}
