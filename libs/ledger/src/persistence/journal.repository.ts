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
   * step of its chain of reversals), as read under the wallets' locks; moved
   * on as the batch reverses it.
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
  reversal_number: number | null;
  reversed_total: string | null;
}

/**
 * Entries with what they moved (their positive leg) and the last step of
 * their chain of reversals (one backward seek each on
 * journal_entries_reversal_number_unique), read under the wallets' locks.
 */
const ENTRIES_UNDER_LOCK = statement(
  'journal_entries_under_lock',
  `select e.id, e.type, o.source_wallet_id, o.destination_wallet_id, o.amount::text as amount,
       r.reversal_number, r.reversed_total::text as reversed_total
  from journal_entries e
  join operations o on o.transfer_id = e.id and o.amount > 0
  left join lateral (
         select reversal_number, reversed_total from journal_entries
          where reverses_id = e.id
          order by reversal_number desc
          limit 1) r on true
 where e.id = any($1::uuid[])`,
);

/** Reads of whole journal entries. */
@Injectable()
export class JournalRepository {
  constructor(private readonly statements: Statements) {}

  /**
   * Entries by id, with what each moved and what their committed reversals
   * add up to, in the caller's transaction: the ones that exist. Read once,
   * after the caller locked the entries' user wallets (every reversal of an
   * entry locks its payer's wallet): a reversal another batch committed
   * before is seen. Served by operations_transfer_id_index.
   */
  async entriesUnderLock(ids: readonly string[]): Promise<Map<string, EntrySummary>> {
    const rows = await this.statements.run<EntryRow>(ENTRIES_UNDER_LOCK, [ids]);
    return new Map(rows.map((row) => [row.id, toSummary(row)]));
  }
}

function toSummary(row: EntryRow): EntrySummary {
  return {
    id: row.id,
    type: row.type,
    sourceWalletId: row.source_wallet_id,
    destinationWalletId: row.destination_wallet_id,
    amount: Money.of(row.amount),
    reversed:
      row.reversal_number === null
        ? { count: 0, total: Money.ZERO }
        : { count: row.reversal_number, total: Money.of(row.reversed_total!) },
  };
}
