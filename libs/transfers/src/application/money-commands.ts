import type { Hold, Operation } from '@app/ledger';
import type { Money } from '@app/money';

/** A journal entry that reversed a transfer. */
export interface Reversal {
  /** The REVERSAL journal entry. */
  id: string;
  reverses: string;
  /** Its legs: the original payee's debit first, then the original payer's credit. */
  operations: Operation[];
}

/**
 * Every command that moves or reserves money. They are queued and decided in
 * batches (GroupCommitter), each against the state its batch's earlier
 * commands left.
 */
export type MoneyCommand =
  | { type: 'DEPOSIT'; userId: string; amount: Money }
  | { type: 'TRANSFER'; userId: string; destinationId: string; amount: Money }
  | { type: 'PLACE_HOLD'; userId: string; destinationId: string; amount: Money; expiresInSeconds: number }
  | { type: 'CAPTURE_HOLD'; userId: string; holdId: string; amount?: Money }
  | { type: 'VOID_HOLD'; userId: string; holdId: string }
  /** An operator voids any wallet's pending hold (no owner check; possible on a frozen wallet, like the owner's void). */
  | { type: 'OPERATOR_VOID_HOLD'; holdId: string }
  | { type: 'REVERSAL'; entryId: string };

interface Results {
  DEPOSIT: Operation;
  TRANSFER: Operation;
  PLACE_HOLD: Hold;
  CAPTURE_HOLD: Hold;
  VOID_HOLD: Hold;
  OPERATOR_VOID_HOLD: Hold;
  REVERSAL: Reversal;
}

/** What a command yields when accepted: a deposit the credited leg, a transfer the debited one, a hold command the hold. */
export type ResultOf<C extends MoneyCommand> = Results[C['type']];

export type CommandOf<T extends MoneyCommand['type']> = Extract<MoneyCommand, { type: T }>;
