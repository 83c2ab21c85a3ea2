import { Check, Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { Money } from '@app/money';
import { MoneyType } from '@app/persistence';

export const EntryType = {
  DEPOSIT: 'DEPOSIT',
  TRANSFER: 'TRANSFER',
  /** A compensating entry posted by an admin: it moves (part of) a transfer's or a deposit's amount back. */
  REVERSAL: 'REVERSAL',
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** A REVERSAL's place among the reversals of the entry it reverses (the columns the database bounds). */
export interface ReversalStep {
  /** The reversed entry. */
  reverses: string;
  /** 1 for its first reversal, 2 for the next, ... */
  number: number;
  /** What its reversals add up to, this one included. */
  total: Money;
  /** The reversed entry's amount: `total` never exceeds it. */
  of: Money;
}

/**
 * One movement of money: its operations (legs) sum to exactly zero. Append-only.
 *
 * A REVERSAL row also carries its step in the chain of reversals of the entry
 * it reverses, so that the database itself bounds what is reversed: the
 * steps of an entry are unique (two writers of one step cannot both commit),
 * each step's `reversedTotal` grows the previous step's (a trigger,
 * journal_entries_reversal_bound, checks it against the committed
 * predecessor and `reversesAmount` against the reversed entry's amount), and
 * the check below keeps every total within that amount. See
 * Migration20261203180000_partial_reversals.
 */
@Entity({ tableName: 'journal_entries' })
@Unique({ name: 'journal_entries_reversal_number_unique', properties: ['reversesId', 'reversalNumber'] })
@Check({
  name: 'journal_entries_reversal_check',
  expression: `(type <> 'REVERSAL' and reverses_id is null and reversal_number is null and reversed_total is null and reverses_amount is null)
  or (type = 'REVERSAL' and reverses_id is not null and reversal_number >= 1
      and reversed_total > 0 and reversed_total <= reverses_amount)`,
})
export class JournalEntry {
  /** The `transfer_id` of the contract. */
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => EntryType })
  type: EntryType;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'clock_timestamp()' })
  createdAt?: Date;

  /** For a REVERSAL: the entry it reverses (a TRANSFER or a DEPOSIT). */
  @ManyToOne({
    entity: () => JournalEntry,
    mapToPk: true,
    nullable: true,
    fieldName: 'reverses_id',
    foreignKeyName: 'journal_entries_reverses_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  reversesId: string | null = null;

  /** For a REVERSAL: 1 for the entry's first reversal, 2 for its second, ... */
  @Property({ type: 'integer', nullable: true })
  reversalNumber: number | null = null;

  /** For a REVERSAL: what the entry's reversals add up to, this one included. */
  @Property({ type: MoneyType, nullable: true })
  reversedTotal: Money | null = null;

  /** For a REVERSAL: the reversed entry's amount, the bound of `reversedTotal`. */
  @Property({ type: MoneyType, nullable: true })
  reversesAmount: Money | null = null;
}
