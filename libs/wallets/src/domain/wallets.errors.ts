import { DomainError } from '@app/errors';

export class WalletNotFoundError extends DomainError {
  readonly code = 'WALLET_NOT_FOUND';
  constructor() {
    super('Wallet does not exist.');
  }
}
