import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const EntryType = {
  DEPOSIT: 'DEPOSIT',
  TRANSFER: 'TRANSFER',
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
}
