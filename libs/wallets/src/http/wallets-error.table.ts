import type { ErrorSpec } from '@app/http';
import type { WalletsErrorCode } from '../domain/wallets.errors';

/** What wallets' failures mean on the wire; a code missing here fails the type check. */
export const WALLETS_ERRORS = {
  WALLET_NOT_FOUND: { status: 404, code: 'NOT_FOUND' },
  INVALID_CURSOR: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  SYSTEM_WALLET: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  SYSTEM_WALLET_HISTORY: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  WALLET_ALREADY_FROZEN: { status: 409, code: 'CONFLICT' },
  WALLET_NOT_FROZEN: { status: 409, code: 'CONFLICT' },
} satisfies Record<WalletsErrorCode, ErrorSpec>;
