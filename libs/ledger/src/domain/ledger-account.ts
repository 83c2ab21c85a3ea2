import type { Money } from '@app/money';

export const WalletKind = {
  /** A user's wallet: keeps a running balance and a gapless sequence; never below zero. */
  USER: 'USER',
  /**
   * A system wallet (the funding wallet): belongs to no user, may go negative,
   * keeps no running balance so that concurrent deposits never queue on its
   * row; its balance is derived on read.
   */
  SYSTEM: 'SYSTEM',
} as const;
export type WalletKind = (typeof WalletKind)[keyof typeof WalletKind];

/** The funding wallet is created by the first migration with this fixed id. */
export const FUNDING_WALLET_ID = '00000000-0000-4000-8000-000000000001';

/**
 * What the ledger needs of a wallet to post to it. The wallets feature's
 * `Wallet` entity is one; the posting service mutates `balance` and
 * `lastSequence` of the (locked, managed) instance in the caller's unit of work.
 */
export interface LedgerAccount {
  readonly id: string;
  readonly kind: WalletKind;
  balance: Money | null;
  lastSequence: number | null;
  /**
   * How many of its holds are PENDING (expired ones included, until captured
   * or voided), kept under the wallet's lock by the hold use cases. Zero means
   * nothing can be reserved, so the holds need not be read at all.
   */
  pendingHolds: number;
  /**
   * The hash of the account's newest operation (null before the first): what
   * its next operation chains to. Read under the lock, like the balance.
   */
  chainHead: string | null;
  /** A frozen wallet can neither pay nor be paid (an admin's decision). */
  frozen: boolean;
}
