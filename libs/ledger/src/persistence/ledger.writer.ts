import { Injectable } from '@nestjs/common';
import { statement, Statements } from '@app/persistence';
import type { EntryType, ReversalStep } from '../domain/journal-entry.entity';
import type { LedgerAccount } from '../domain/ledger-account';
import type { Operation } from '../domain/operation.entity';

/** A journal entry ready to be written: legs numbered, balanced and hashed by PostingService. */
export interface EntryDraft {
  id: string;
  type: EntryType;
  /** The entry's moment, carried by every leg (see Posting.at). */
  at: Date;
  /** For a REVERSAL: what it reverses and its step in that entry's chain of reversals. */
  reversal: ReversalStep | null;
  operations: Operation[];
}

/**
 * Every entry of a batch, its legs, and the new state of every user account
 * the batch changed (running balance, last sequence, chain head, pending
 * holds), in ONE statement of fixed text: rows travel as arrays, so the same
 * prepared statement serves a batch of one or of a hundred.
 */
const WRITE_BATCH = statement(
  'ledger_write_batch',
  `with entries as (
  insert into journal_entries (id, type, created_at, reverses_id, reversal_number, reversed_total, reverses_amount)
  select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[], $5::integer[], $6::numeric[], $7::numeric[])
), legs as (
  insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp, hash)
  select * from unnest($8::uuid[], $9::uuid[], $10::uuid[], $11::uuid[], $12::uuid[], $13::text[], $14::numeric[], $15::bigint[], $16::numeric[], $17::timestamptz[], $18::text[])
), accounts as (
  update wallets
     set balance = a.balance, last_sequence = a.last_sequence, chain_head = a.chain_head, pending_holds = a.pending_holds
    from unnest($19::uuid[], $20::numeric[], $21::bigint[], $22::text[], $23::integer[])
         as a (id, balance, last_sequence, chain_head, pending_holds)
   where wallets.id = a.id
)
select 1`,
);

/**
 * Writes what a batch of money movements decided, inside the batch's
 * transaction (the accounts were locked and every number and hash computed
 * by the domain): one round trip for the whole batch, no change tracking
 * where the unit of work adds nothing.
 */
@Injectable()
export class LedgerWriter {
  constructor(private readonly statements: Statements) {}

  async write(entries: readonly EntryDraft[], accounts: Iterable<LedgerAccount>): Promise<void> {
    const columns = {
      entries: [[], [], [], [], [], [], []] as unknown[][],
      legs: [[], [], [], [], [], [], [], [], [], [], []] as unknown[][],
      accounts: [[], [], [], [], []] as unknown[][],
    };
    const push = (into: unknown[][], row: unknown[]) => row.forEach((value, index) => into[index].push(value));
    for (const entry of entries) {
      const { reversal } = entry;
      push(columns.entries, [
        entry.id,
        entry.type,
        entry.at,
        reversal?.reverses ?? null,
        reversal?.number ?? null,
        reversal?.total.toFixed() ?? null,
        reversal?.of.toFixed() ?? null,
      ]);
      for (const leg of entry.operations) {
        push(columns.legs, [
          leg.id,
          entry.id,
          leg.walletId,
          leg.sourceWalletId,
          leg.destinationWalletId,
          entry.type,
          leg.amount.toFixed(),
          leg.sequence,
          leg.balanceAfter?.toFixed() ?? null,
          entry.at,
          leg.hash,
        ]);
      }
    }
    for (const account of accounts) {
      push(columns.accounts, [
        account.id,
        account.balance?.toFixed() ?? null,
        account.lastSequence,
        account.chainHead,
        account.pendingHolds,
      ]);
    }
    if (columns.entries[0].length === 0 && columns.accounts[0].length === 0) return;
    await this.statements.run(WRITE_BATCH, [...columns.entries, ...columns.legs, ...columns.accounts]);
  }
}
