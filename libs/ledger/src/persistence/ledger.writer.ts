import { Injectable } from '@nestjs/common';
import { statement, Statements } from '@app/persistence';
import type { Money } from '@app/money';
import type { Hold } from '../domain/hold.entity';
import type { EntryType, ReversalStep } from '../domain/journal-entry.entity';
import type { LedgerAccount } from '../domain/ledger-account';
import type { Operation } from '../domain/operation';

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
 * A line of the operators' action log (admin_actions) that commits with the
 * batch's movement (an admin reversal, an operator's hold void). The admin
 * feature owns the log and its reads; the batch writes the line in its one
 * write statement, so that the line takes no round trip of its own.
 */
export interface ActionLine {
  id: string;
  adminId: string | null;
  action: string;
  target: string;
  reason: string | null;
  /** A REVERSAL's amount and its own journal entry (null for other actions). */
  amount: Money | null;
  entryId: string | null;
}

/** Everything a batch of money movements writes. */
export interface BatchWrites {
  entries: readonly EntryDraft[];
  /** User accounts whose state changed (balance, sequence, chain head, pending holds). */
  accounts: Iterable<LedgerAccount>;
  /** Holds placed by the batch (inserted). */
  holdsPlaced: readonly Hold[];
  /** Holds the batch captured or voided (locked before; their state as the batch left it). */
  holdsResolved: Iterable<Hold>;
  actionLines: readonly ActionLine[];
}

/**
 * Every entry of a batch, its legs, the new state of every user account the
 * batch changed (running balance, last sequence, chain head, pending holds),
 * the holds it placed and resolved and its action log lines, in ONE statement
 * of fixed text: rows travel as arrays, so the same prepared statement serves
 * a batch of one or of a hundred, and an empty array writes nothing (a plain
 * transfer sends no hold and no line, in the same round trip).
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
), placed as (
  insert into holds (id, source_wallet_id, destination_wallet_id, amount, status, expires_at, created_at)
  select * from unnest($24::uuid[], $25::uuid[], $26::uuid[], $27::numeric[], $28::text[], $29::timestamptz[], $30::timestamptz[])
), resolved as (
  update holds
     set status = h.status, captured_amount = h.captured_amount, transfer_id = h.transfer_id, resolved_at = h.resolved_at
    from unnest($31::uuid[], $32::text[], $33::numeric[], $34::uuid[], $35::timestamptz[])
         as h (id, status, captured_amount, transfer_id, resolved_at)
   where holds.id = h.id
), actions as (
  insert into admin_actions (id, admin_id, action, target, reason, amount, entry_id)
  select * from unnest($36::uuid[], $37::uuid[], $38::text[], $39::uuid[], $40::text[], $41::numeric[], $42::uuid[])
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

  async write({ entries, accounts, holdsPlaced, holdsResolved, actionLines }: BatchWrites): Promise<void> {
    const columns = {
      entries: [[], [], [], [], [], [], []] as unknown[][],
      legs: [[], [], [], [], [], [], [], [], [], [], []] as unknown[][],
      accounts: [[], [], [], [], []] as unknown[][],
      placed: [[], [], [], [], [], [], []] as unknown[][],
      resolved: [[], [], [], [], []] as unknown[][],
      actions: [[], [], [], [], [], [], []] as unknown[][],
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
    for (const hold of holdsPlaced) {
      push(columns.placed, [
        hold.id,
        hold.sourceWalletId,
        hold.destinationWalletId,
        hold.amount.toFixed(),
        hold.status,
        hold.expiresAt,
        hold.createdAt,
      ]);
    }
    for (const hold of holdsResolved) {
      push(columns.resolved, [
        hold.id,
        hold.status,
        hold.capturedAmount?.toFixed() ?? null,
        hold.transferId,
        hold.resolvedAt,
      ]);
    }
    for (const line of actionLines) {
      push(columns.actions, [
        line.id,
        line.adminId,
        line.action,
        line.target,
        line.reason,
        line.amount?.toFixed() ?? null,
        line.entryId,
      ]);
    }
    if (Object.values(columns).every((table) => table[0].length === 0)) return;
    await this.statements.run(WRITE_BATCH, Object.values(columns).flat());
  }
}
