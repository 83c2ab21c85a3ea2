import type { ErrorSpec } from '@app/http';
import type { IdempotencyErrorCode } from '../domain/idempotency.errors';

/** What idempotency's failures mean on the wire; a code missing here fails the type check. */
export const IDEMPOTENCY_ERRORS = {
  // The key is the problem: nothing is recorded under it.
  INVALID_IDEMPOTENCY_KEY: { status: 422, code: 'UNPROCESSABLE_ENTITY', bindsNoIdempotencyKey: true },
  IDEMPOTENCY_KEY_REUSED: { status: 422, code: 'UNPROCESSABLE_ENTITY', bindsNoIdempotencyKey: true },
  IDEMPOTENCY_KEY_IN_PROGRESS: { status: 409, code: 'CONFLICT', bindsNoIdempotencyKey: true },
} satisfies Record<IdempotencyErrorCode, ErrorSpec>;
