import { Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const EntryType = {
  DEPOSIT: 'DEPOSIT',
  TRANSFER: 'TRANSFER',
  /** A compensating entry posted by an admin: it moves a transfer's amount back. */
  REVERSAL: 'REVERSAL',
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** One movement of money: its operations (legs) sum to exactly zero. Append-only. */
@Entity({ tableName: 'journal_entries' })
export class JournalEntry {
  /** The `transfer_id` of the contract. */
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => EntryType })
  type: EntryType;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'clock_timestamp()' })
  createdAt?: Date;

  /**
   * For a REVERSAL: the entry it reverses. Unique, so that a transfer is
   * reversed at most once whatever races (the database decides, not a read).
   */
  @ManyToOne({
    entity: () => JournalEntry,
    mapToPk: true,
    nullable: true,
    fieldName: 'reverses_id',
    unique: 'journal_entries_reverses_id_unique',
    foreignKeyName: 'journal_entries_reverses_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  reversesId: string | null = null;
}
