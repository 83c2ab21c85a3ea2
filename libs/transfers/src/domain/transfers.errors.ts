import { DomainError } from '@app/errors';

export class DestinationWalletNotFoundError extends DomainError {
  readonly code = 'DESTINATION_WALLET_NOT_FOUND';
  constructor() {
    super('Destination wallet does not exist.', 'destination');
  }
}

export class SameWalletTransferError extends DomainError {
  readonly code = 'SAME_WALLET_TRANSFER';
  constructor() {
    super('Destination must be another wallet than your own.', 'destination');
  }
}
