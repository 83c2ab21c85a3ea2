import type { ErrorCode } from '@app/http';
import type { ErrorReason } from './error-reasons';

/** An expected failure answer: status and the contract's envelope with one error. */
export function failure(status: number, code: ErrorCode, reason: ErrorReason, message: string, target = '__all__') {
  return { status, body: { status: { success: false, errors: [{ code, message, target, reason }] }, data: null } };
}

export const UNAUTHORIZED = failure(401, 'UNAUTHORIZED', 'AUTHENTICATION_REQUIRED', 'Authentication required.');
export const WALLET_MISSING = failure(404, 'NOT_FOUND', 'WALLET_NOT_FOUND', 'Wallet does not exist.');
export const INSUFFICIENT_FUNDS = failure(400, 'BAD_REQUEST', 'INSUFFICIENT_FUNDS', 'Insufficient funds.');
export const DESTINATION_MISSING = failure(
  404,
  'NOT_FOUND',
  'DESTINATION_WALLET_NOT_FOUND',
  'Destination wallet does not exist.',
  'destination',
);
export const OWN_WALLET = failure(
  422,
  'UNPROCESSABLE_ENTITY',
  'SAME_WALLET_TRANSFER',
  'Destination must be another wallet than your own.',
  'destination',
);
export const KEY_REUSED = failure(
  422,
  'UNPROCESSABLE_ENTITY',
  'IDEMPOTENCY_KEY_REUSED',
  'This Idempotency-Key was already used with a different request.',
  'Idempotency-Key',
);
