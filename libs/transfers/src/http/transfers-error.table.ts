import type { ErrorSpec } from '@app/http';
import type { TransfersErrorCode } from '../domain/transfers.errors';

/** What transfers' and holds' failures mean on the wire; a code missing here fails the type check. */
export const TRANSFERS_ERRORS = {
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
  REVERSAL_EXCEEDS_REMAINING: { status: 409, code: 'CONFLICT' },
} satisfies Record<TransfersErrorCode, ErrorSpec>;
