import { ALL_FIELDS, DomainError } from '@app/errors';

/** Codes of the failures the ledger raises; each has its HTTP spec in http/ledger-error.table.ts. */
export type LedgerErrorCode = 'INSUFFICIENT_FUNDS' | 'BALANCE_LIMIT_EXCEEDED' | 'WALLET_FROZEN';

export class InsufficientFundsError extends DomainError<LedgerErrorCode> {
  readonly code = 'INSUFFICIENT_FUNDS';
  constructor() {
    super('Insufficient funds.');
  }
}

export class BalanceLimitExceededError extends DomainError<LedgerErrorCode> {
  readonly code = 'BALANCE_LIMIT_EXCEEDED';
  constructor() {
    super('The resulting balance would exceed the largest balance a wallet can hold.', 'amount');
  }
}

/** A frozen wallet took part in a movement of money: it may neither pay nor be paid. */
export class WalletFrozenError extends DomainError<LedgerErrorCode> {
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
