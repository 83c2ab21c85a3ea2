import type { Hold, Operation } from '@app/ledger';
import type { Money } from '@app/money';

/** A journal entry that reversed (part of) a transfer or a deposit. */
export interface Reversal {
  /** The REVERSAL journal entry. */
  id: string;
  reverses: string;
  /** What this reversal moved back. */
  amount: Money;
  /** What the reversed entry's reversals add up to, this one included. */
  reversedTotal: Money;
  /** What is left to reverse of the entry. */
  remaining: Money;
  /** Its legs: the original payee's debit first, then the original payer's credit (the funding wallet's, for a deposit). */
  operations: Operation[];
}

/**
 * Every command that moves or reserves money. They are queued and decided in
 * batches (MoneyMovements), each against the state its batch's earlier
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
  /** `amount` absent: whatever is left of the entry. */
  | { type: 'REVERSAL'; entryId: string; amount?: Money };

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
