import type { ErrorCode } from './envelope';

/**
 * The one mapping from an error's stable code to the HTTP status and the
 * envelope code the contract gives. Features raise errors with codes; only
 * this table knows what they mean on the wire. An unknown code is a 500.
 */
export const ERROR_STATUS: Record<string, { status: number; code: ErrorCode }> = {
  // http
  REQUEST_VALIDATION_FAILED: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  INVALID_JSON_BODY: { status: 422, code: 'BAD_REQUEST' },
  PAYLOAD_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  // idempotency
  INVALID_IDEMPOTENCY_KEY: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  IDEMPOTENCY_KEY_IN_PROGRESS: { status: 409, code: 'CONFLICT' },
  // persistence
  CONCURRENT_CONFLICT: { status: 409, code: 'CONFLICT' },
  // auth
  AUTHENTICATION_REQUIRED: { status: 401, code: 'UNAUTHORIZED' },
  INVALID_CREDENTIALS: { status: 401, code: 'UNAUTHORIZED' },
  ADMIN_REQUIRED: { status: 403, code: 'FORBIDDEN' },
  USERNAME_TAKEN: { status: 400, code: 'BAD_REQUEST' },
  PASSWORDS_DIFFER: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  // wallets and transfers
  WALLET_NOT_FOUND: { status: 404, code: 'NOT_FOUND' },
  INVALID_CURSOR: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  SYSTEM_WALLET: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  WALLET_ALREADY_FROZEN: { status: 409, code: 'CONFLICT' },
  WALLET_NOT_FROZEN: { status: 409, code: 'CONFLICT' },
  DESTINATION_WALLET_NOT_FOUND: { status: 404, code: 'NOT_FOUND' },
  SAME_WALLET_TRANSFER: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  HOLD_NOT_FOUND: { status: 404, code: 'NOT_FOUND' },
  HOLD_FORBIDDEN: { status: 403, code: 'FORBIDDEN' },
  HOLD_ALREADY_RESOLVED: { status: 409, code: 'CONFLICT' },
  HOLD_EXPIRED: { status: 409, code: 'CONFLICT' },
  CAPTURE_EXCEEDS_HOLD: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  TRANSFER_NOT_FOUND: { status: 404, code: 'NOT_FOUND' },
  NOT_REVERSIBLE: { status: 409, code: 'CONFLICT' },
  ALREADY_REVERSED: { status: 409, code: 'CONFLICT' },
  // ledger
  INSUFFICIENT_FUNDS: { status: 400, code: 'BAD_REQUEST' },
  BALANCE_LIMIT_EXCEEDED: { status: 400, code: 'BAD_REQUEST' },
  WALLET_FROZEN: { status: 403, code: 'FORBIDDEN' },
};
