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

/** What a wallet's owner is told: what a freeze means for them and what to do about it. */
export const YOUR_WALLET_FROZEN =
  'Your wallet is frozen: it cannot send or receive money. Contact support to have it reviewed.';
export const DESTINATION_WALLET_FROZEN = 'The destination wallet is frozen and cannot receive money.';

const FROZEN = {
  /** The caller's own wallet: the one it pays from, or the one its deposit credits. */
  own: () => YOUR_WALLET_FROZEN,
  /** The wallet the caller pays (a transfer, a hold, a capture): not the caller's, so not named. */
  destination: () => DESTINATION_WALLET_FROZEN,
  /** A movement an operator posts (a reversal), which is nobody's own: the wallets are named for the operator. */
  payer: (walletId: string) => `Paying wallet ${walletId} is frozen.`,
  payee: (walletId: string) => `Destination wallet ${walletId} is frozen.`,
};

/**
 * A frozen wallet took part in a movement of money: it may neither pay nor be
 * paid. The message speaks to whoever asked: a user hears that their own
 * wallet is frozen and what to do, or that the destination is; an operator
 * (a reversal) hears which wallet, by its part. `target` is the request field
 * that named the wallet, `__all__` when no field did.
 */
export class WalletFrozenError extends DomainError<LedgerErrorCode> {
  readonly code = 'WALLET_FROZEN';
  constructor(
    readonly walletId: string,
    side: keyof typeof FROZEN,
    target: string = ALL_FIELDS,
  ) {
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
