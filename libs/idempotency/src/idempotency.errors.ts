import { DomainError } from '@app/errors';
import { IDEMPOTENCY_HEADER } from '@app/http';

export class InvalidIdempotencyKeyError extends DomainError {
  readonly code = 'INVALID_IDEMPOTENCY_KEY';
  constructor() {
    super('Must be 1 to 255 printable ASCII characters.', IDEMPOTENCY_HEADER);
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor() {
    super('This Idempotency-Key was already used with a different request.', IDEMPOTENCY_HEADER);
  }
}

export class IdempotencyKeyInProgressError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_IN_PROGRESS';
  constructor() {
    super('A request with this Idempotency-Key is still in progress; retry it later.', IDEMPOTENCY_HEADER);
  }
}
