import type { ErrorSpec } from '@app/http';
import type { WalletsErrorCode } from '../domain/wallets.errors';

/** What wallets' failures mean on the wire; a code missing here fails the type check. */
export const WALLETS_ERRORS = {
  WALLET_NOT_FOUND: { status: 404, code: 'NOT_FOUND' },
  INVALID_CURSOR: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
} satisfies Record<WalletsErrorCode, ErrorSpec>;
