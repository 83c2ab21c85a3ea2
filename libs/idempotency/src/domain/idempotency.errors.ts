import { DomainError } from '@app/errors';
import { IDEMPOTENCY_HEADER } from './idempotency-key.rules';

/** Codes of the failures idempotency raises; each has its HTTP spec in its error table. */
export type IdempotencyErrorCode = 'INVALID_IDEMPOTENCY_KEY' | 'IDEMPOTENCY_KEY_REUSED' | 'IDEMPOTENCY_KEY_IN_PROGRESS';

export class InvalidIdempotencyKeyError extends DomainError<IdempotencyErrorCode> {
  readonly code = 'INVALID_IDEMPOTENCY_KEY';
  constructor() {
    super('Must be 1 to 255 printable ASCII characters.', IDEMPOTENCY_HEADER);
  }
}

export class IdempotencyKeyReusedError extends DomainError<IdempotencyErrorCode> {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor() {
    super('This Idempotency-Key was already used with a different request.', IDEMPOTENCY_HEADER);
  }
}

export class IdempotencyKeyInProgressError extends DomainError<IdempotencyErrorCode> {
  readonly code = 'IDEMPOTENCY_KEY_IN_PROGRESS';
  constructor() {
    super('A request with this Idempotency-Key is still in progress; retry it later.', IDEMPOTENCY_HEADER);
  }
}
