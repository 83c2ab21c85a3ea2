/**
 * Told of every request answered by replaying a stored answer, so that
 * metrics can count replays without libs/idempotency knowing what does.
 * Optional: the composition root binds it (libs/observability).
 */
export abstract class IdempotencyObserver {
  abstract replayed(): void;
}
