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
  /** The REVERSAL entry that reversed it, if any: null as read, set by the caller from `reversalsOf` under its locks. */
  reversedBy: string | null;
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

const REVERSALS_OF = statement(
  'journal_reversals_of',
  `select id, reverses_id from journal_entries where reverses_id = any($1::uuid[])`,
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

  /** The committed REVERSAL entries of `ids`: reversed id to reversal id (journal_entries_reverses_id_unique). */
  async reversalsOf(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.statements.run<{ id: string; reverses_id: string }>(REVERSALS_OF, [ids]);
    return new Map(rows.map((row) => [row.reverses_id, row.id]));
  }
}

function toSummary(row: EntryRow): EntrySummary {
  return {
    id: row.id,
    type: row.type,
    sourceWalletId: row.source_wallet_id,
    destinationWalletId: row.destination_wallet_id,
    amount: Money.of(row.amount),
    reversedBy: null,
  };
}
