import { DomainError } from '@app/errors';

export class WalletNotFoundError extends DomainError {
  readonly code = 'WALLET_NOT_FOUND';
  constructor() {
    super('Wallet does not exist.');
  }
}

export class InvalidCursorError extends DomainError {
  readonly code = 'INVALID_CURSOR';
  constructor() {
    super('Not a cursor of this wallet and order.', 'cursor');
  }
}

export class SystemWalletFreezeError extends DomainError {
  readonly code = 'SYSTEM_WALLET';
  constructor() {
    super('The system funding wallet cannot be frozen.');
  }
}

export class WalletAlreadyFrozenError extends DomainError {
  readonly code = 'WALLET_ALREADY_FROZEN';
  constructor() {
    super('Wallet is already frozen.');
  }
}

export class WalletNotFrozenError extends DomainError {
  readonly code = 'WALLET_NOT_FROZEN';
  constructor() {
    super('Wallet is not frozen.');
  }
}
