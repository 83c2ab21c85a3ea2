import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { EntryType } from '../domain/journal-entry.entity';
import type { LedgerAccount } from '../domain/ledger-account';
import { Operation } from '../domain/operation.entity';

/** A journal entry ready to be written: legs numbered and balanced by PostingService. */
export interface EntryDraft {
  id: string;
  type: EntryType;
  operations: Operation[];
  /** User accounts whose new balance and last sequence must be stored. */
  accounts: LedgerAccount[];
}

/**
 * Writes a journal entry, its operations and the moved wallets' running
 * balances in ONE statement (data-modifying CTEs), inside the caller's
 * transaction. This is the hot path of every movement of money: one round trip
 * instead of three flushes, and no change tracking where the unit of work adds
 * nothing (the wallets were locked and the numbers computed by the domain).
 * The operations' timestamps come back from PostgreSQL (one clock_timestamp()
 * for the entry, read after the wallets were locked).
 */
@Injectable()
export class LedgerWriter {
  constructor(private readonly em: EntityManager) {}

  async write(draft: EntryDraft): Promise<Operation[]> {
    const params: unknown[] = [draft.id, draft.type];
    const legs = draft.operations.map((operation) => {
      params.push(
        operation.id,
        draft.id,
        operation.walletId,
        operation.sourceWalletId,
        operation.destinationWalletId,
        draft.type,
        operation.amount.toFixed(),
        operation.sequence,
        operation.balanceAfter?.toFixed() ?? null,
      );
      return '(?::uuid, ?::uuid, ?::uuid, ?::uuid, ?::uuid, ?, ?::numeric, ?::bigint, ?::numeric)';
    });
    const moved = draft.accounts.map((account) => {
      params.push(account.id, account.balance?.toFixed() ?? null, account.lastSequence);
      return '(?::uuid, ?::numeric, ?::bigint)';
    });
    const update =
      moved.length === 0
        ? ''
        : `, moved as (
            update wallets set balance = v.balance, last_sequence = v.last_sequence
              from (values ${moved.join(', ')}) as v (id, balance, last_sequence)
             where wallets.id = v.id
          )`;
    // One clock reading for the whole entry, taken after the wallets were
    // locked: both legs carry the same timestamp, and within a wallet the
    // timestamps never decrease as the sequence grows.
    const rows = await this.em.execute<{ id: string; timestamp: Date }[]>(
      `with clock as (
         select clock_timestamp() as at
       ), entry as (
         insert into journal_entries (id, type, created_at) select ?::uuid, ?, at from clock
       ), legs as (
         insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp)
         select v.*, clock.at
           from (values ${legs.join(', ')}) as v (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after)
          cross join clock
         returning id, timestamp
       )${update}
       select id, timestamp from legs`,
      params,
    );
    const timestamps = new Map(rows.map((row) => [row.id, new Date(row.timestamp)]));
    for (const operation of draft.operations) operation.timestamp = timestamps.get(operation.id);
    return draft.operations;
  }
}
