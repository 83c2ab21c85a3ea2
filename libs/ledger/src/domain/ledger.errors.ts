import { ALL_FIELDS, DomainError } from '@app/errors';

/** Codes of the failures the ledger raises; each has its HTTP spec in http/ledger-error.table.ts. */
export type LedgerErrorCode =
  | 'INSUFFICIENT_FUNDS'
  | 'BALANCE_LIMIT_EXCEEDED'
  | 'WALLET_FROZEN'
  | 'AUDIT_IN_PROGRESS'
  | 'AUDIT_TIMED_OUT';

/** The payer cannot pay out of its available balance; the message may say whose wallet and how much it holds. */
export class InsufficientFundsError extends DomainError<LedgerErrorCode> {
  readonly code = 'INSUFFICIENT_FUNDS';
  constructor(message = 'Insufficient funds.') {
    super(message);
  }
}

export class BalanceLimitExceededError extends DomainError<LedgerErrorCode> {
  readonly code = 'BALANCE_LIMIT_EXCEEDED';
  constructor() {
    super('The resulting balance would exceed the largest balance a wallet can hold.', 'amount');
  }
}

const FROZEN = {
  source: (walletId: string) => `Paying wallet ${walletId} is frozen.`,
  destination: (walletId: string) => `Destination wallet ${walletId} is frozen.`,
  own: (walletId: string) => `Wallet ${walletId} is frozen.`,
};

/**
 * A frozen wallet took part in a movement of money: it may neither pay nor be
 * paid. The message names the wallet by its part (the paying wallet, the
 * destination, or the caller's own wallet a deposit credits); `target` is
 * the request field that named it, `__all__` when no field did.
 */
export class WalletFrozenError extends DomainError<LedgerErrorCode> {
  readonly code = 'WALLET_FROZEN';
  constructor(walletId: string, side: keyof typeof FROZEN, target: string = ALL_FIELDS) {
    super(FROZEN[side](walletId), target);
  }
}

/**
 * Another instance is running the ledger audit (one run at a time across all
 * instances); its report goes to its own callers. `startedAt`: when that run
 * began, or null when the database does not show it (another role's session).
 */
export class AuditInProgressError extends DomainError<LedgerErrorCode> {
  readonly code = 'AUDIT_IN_PROGRESS';
  constructor(readonly startedAt: Date | null) {
    super(
      `A ledger audit is already running on another instance (started ${
        startedAt ? `at ${startedAt.toISOString()}` : 'at a time the database does not show'
      }); try again when it has ended.`,
    );
  }
}

/** The audit ran past its time limit and was abandoned: its snapshot rolled back, its lock released, no report. */
export class AuditTimedOutError extends DomainError<LedgerErrorCode> {
  readonly code = 'AUDIT_TIMED_OUT';
  constructor(readonly limitSeconds: number) {
    super(`The ledger audit did not finish within its time limit of ${limitSeconds} s and was abandoned.`);
  }
}

/** A programming error: a journal entry whose legs do not sum to zero. Never a client's fault. */
export class UnbalancedEntryError extends Error {
  constructor(total: string) {
    super(`Journal entry legs sum to ${total}, not 0.00`);
    this.name = 'UnbalancedEntryError';
  }
}
