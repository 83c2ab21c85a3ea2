import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { statement, Statements } from '@app/persistence';
import type { EntryType } from '../domain/journal-entry.entity';

export interface EntrySummary {
  id: string;
  type: EntryType;
  sourceWalletId: string;
  destinationWalletId: string;
  /** What the entry moved from source to destination (its positive leg). */
  amount: Money;
  /**
   * What its reversals add up to so far, and how many there are (the last
   * step of its chain of reversals): zero as read, set by the caller from
   * `reversedSoFar` under its locks, and moved on as the batch reverses it.
   */
  reversed: ReversedSoFar;
}

/** The last step of an entry's chain of reversals (journal_entries.reversal_number, reversed_total). */
export interface ReversedSoFar {
  /** How many reversals it has (0: none). */
  count: number;
  /** What they add up to. */
  total: Money;
}

interface EntryRow {
  id: string;
  type: EntryType;
  source_wallet_id: string;
  destination_wallet_id: string;
  amount: string;
}

/** Entries with what they moved (their positive leg). */
const FIND_ENTRIES = statement(
  'journal_find_entries',
  `select e.id, e.type, o.source_wallet_id, o.destination_wallet_id, o.amount::text as amount
  from journal_entries e
  join operations o on o.transfer_id = e.id and o.amount > 0
 where e.id = any($1::uuid[])`,
);

/** The last step of each entry's chain of reversals: one seek each on journal_entries_reversal_number_unique. */
const REVERSED_SO_FAR = statement(
  'journal_reversed_so_far',
  `select distinct on (reverses_id) reverses_id, reversal_number, reversed_total::text as reversed_total
  from journal_entries
 where reverses_id = any($1::uuid[])
 order by reverses_id, reversal_number desc`,
);

/** Reads of whole journal entries. */
@Injectable()
export class JournalRepository {
  constructor(private readonly statements: Statements) {}

  /**
   * Entries by id, with what each moved, in the caller's transaction: the ones
   * that exist. Served by operations_transfer_id_index.
   */
  async findEntries(ids: readonly string[]): Promise<Map<string, EntrySummary>> {
    const rows = await this.statements.run<EntryRow>(FIND_ENTRIES, [ids]);
    return new Map(rows.map((row) => [row.id, toSummary(row)]));
  }

  /** What the committed reversals of `ids` add up to (absent: none). */
  async reversedSoFar(ids: readonly string[]): Promise<Map<string, ReversedSoFar>> {
    const rows = await this.statements.run<{ reverses_id: string; reversal_number: number; reversed_total: string }>(
      REVERSED_SO_FAR,
      [ids],
    );
    return new Map(
      rows.map((row) => [row.reverses_id, { count: row.reversal_number, total: Money.of(row.reversed_total) }]),
    );
  }
}

function toSummary(row: EntryRow): EntrySummary {
  return {
    id: row.id,
    type: row.type,
    sourceWalletId: row.source_wallet_id,
    destinationWalletId: row.destination_wallet_id,
    amount: Money.of(row.amount),
    reversed: { count: 0, total: Money.ZERO },
  };
}
