import { DomainError } from '@app/errors';

/** Codes of the failures wallets raise; each has its HTTP spec in http/wallets-error.table.ts. */
export type WalletsErrorCode = 'WALLET_NOT_FOUND' | 'INVALID_CURSOR';

export class WalletNotFoundError extends DomainError<WalletsErrorCode> {
  readonly code = 'WALLET_NOT_FOUND';
  constructor() {
    super('Wallet does not exist.');
  }
}

export class InvalidCursorError extends DomainError<WalletsErrorCode> {
  readonly code = 'INVALID_CURSOR';
  constructor() {
    super('Not a cursor of this wallet and order.', 'cursor');
  }
}
