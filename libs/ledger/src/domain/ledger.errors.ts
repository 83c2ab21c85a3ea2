import { ALL_FIELDS, DomainError } from '@app/errors';

export class InsufficientFundsError extends DomainError {
  readonly code = 'INSUFFICIENT_FUNDS';
  constructor() {
    super('Insufficient funds.');
  }
}

export class BalanceLimitExceededError extends DomainError {
  readonly code = 'BALANCE_LIMIT_EXCEEDED';
  constructor() {
    super('The resulting balance would exceed the largest balance a wallet can hold.', 'amount');
  }
}

/** A frozen wallet took part in a movement of money: it may neither pay nor be paid. */
export class WalletFrozenError extends DomainError {
  readonly code = 'WALLET_FROZEN';
  constructor(walletId: string, side: 'source' | 'destination') {
    super(
      side === 'source' ? `Paying wallet ${walletId} is frozen.` : `Destination wallet ${walletId} is frozen.`,
      side === 'destination' ? 'destination' : ALL_FIELDS,
    );
  }
}

/** A programming error: a journal entry whose legs do not sum to zero. Never a client's fault. */
export class UnbalancedEntryError extends Error {
  constructor(total: string) {
    super(`Journal entry legs sum to ${total}, not 0.00`);
    this.name = 'UnbalancedEntryError';
  }
}
