/**
 * Told of every request of an @Idempotent() route (a money movement, an
 * operator's freeze) answered by replaying a stored answer, and of every
 * refusal such a route answers afresh, by its code; so that metrics can count
 * both without libs/idempotency knowing what does. Optional: the composition
 * root binds it (libs/observability).
 */
export abstract class IdempotencyObserver {
  abstract replayed(): void;
  abstract refused(reason: string): void;
}
