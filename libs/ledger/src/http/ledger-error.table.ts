import type { ErrorSpec } from '@app/http';
import type { LedgerErrorCode } from '../domain/ledger.errors';

/**
 * What the ledger's failures mean on the wire (the ledger serves no routes;
 * the features that post to it, and the admin audit route, surface these); a
 * code missing here fails the type check.
 */
export const LEDGER_ERRORS = {
  INSUFFICIENT_FUNDS: { status: 400, code: 'BAD_REQUEST' },
  BALANCE_LIMIT_EXCEEDED: { status: 400, code: 'BAD_REQUEST' },
  WALLET_FROZEN: { status: 403, code: 'FORBIDDEN' },
  // GET /v1/admin/ledger/audit: another instance's run holds the audit lock (the message says since when).
  AUDIT_IN_PROGRESS: { status: 409, code: 'CONFLICT' },
  // The audit passed AUDIT_TIMEOUT_SECONDS and was abandoned; nothing is wrong with the request itself.
  AUDIT_TIMED_OUT: { status: 503, code: 'SERVICE_UNAVAILABLE' },
} satisfies Record<LedgerErrorCode, ErrorSpec>;
