import type { ErrorSpec } from '@app/http';
import type { LedgerErrorCode } from '../domain/ledger.errors';

/**
 * What the ledger's failures mean on the wire (the ledger serves no routes;
 * the features that post to it surface these); a code missing here fails the
 * type check.
 */
export const LEDGER_ERRORS = {
  INSUFFICIENT_FUNDS: { status: 400, code: 'BAD_REQUEST' },
  BALANCE_LIMIT_EXCEEDED: { status: 400, code: 'BAD_REQUEST' },
  WALLET_FROZEN: { status: 403, code: 'FORBIDDEN' },
} satisfies Record<LedgerErrorCode, ErrorSpec>;
