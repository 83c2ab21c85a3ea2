import { DomainError } from '@app/errors';

/** Codes of the failures wallets raise; each has its HTTP spec in http/wallets-error.table.ts. */
export type WalletsErrorCode =
  | 'WALLET_NOT_FOUND'
  | 'INVALID_CURSOR'
  | 'SYSTEM_WALLET'
  | 'SYSTEM_WALLET_HISTORY'
  | 'WALLET_ALREADY_FROZEN'
  | 'WALLET_NOT_FROZEN';

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

export class SystemWalletFreezeError extends DomainError<WalletsErrorCode> {
  readonly code = 'SYSTEM_WALLET';
  constructor() {
    super('The system funding wallet cannot be frozen.');
  }
}

export class WalletAlreadyFrozenError extends DomainError<WalletsErrorCode> {
  readonly code = 'WALLET_ALREADY_FROZEN';
  constructor() {
    super('Wallet is already frozen.');
  }
}

export class WalletNotFrozenError extends DomainError<WalletsErrorCode> {
  readonly code = 'WALLET_NOT_FROZEN';
  constructor() {
    super('Wallet is not frozen.');
  }
}

/** The funding wallet's legs carry no sequence: they are checked by the audit, not paged. */
export class SystemWalletHistoryError extends DomainError<WalletsErrorCode> {
  readonly code = 'SYSTEM_WALLET_HISTORY';
  constructor() {
    super('The system funding wallet keeps no sequence to page by; the ledger audit checks its legs.');
  }
}
