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
