import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { EntryType } from '../domain/journal-entry.entity';
import type { LedgerAccount } from '../domain/ledger-account';
import { Operation } from '../domain/operation.entity';

/** A journal entry ready to be written: legs numbered and balanced by PostingService. */
export interface EntryDraft {
  id: string;
  type: EntryType;
  /** The entry's moment, carried by every leg (see Posting.at). */
  at: Date;
  reverses: string | null;
  operations: Operation[];
  /** User accounts whose new balance and last sequence must be stored. */
  accounts: LedgerAccount[];
}

/**
 * Writes a journal entry, its operations and the moved wallets' running
 * balances and chain heads in ONE statement (data-modifying CTEs), inside the
 * caller's transaction. This is the hot path of every movement of money: one
 * round trip instead of three flushes, and no change tracking where the unit
 * of work adds nothing (the wallets were locked and every number and hash
 * computed by the domain).
 */
@Injectable()
export class LedgerWriter {
  constructor(private readonly em: EntityManager) {}

  async write(draft: EntryDraft): Promise<Operation[]> {
    const params: unknown[] = [draft.id, draft.type, draft.at, draft.reverses];
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
        draft.at,
        operation.hash,
      );
      return '(?::uuid, ?::uuid, ?::uuid, ?::uuid, ?::uuid, ?, ?::numeric, ?::bigint, ?::numeric, ?::timestamptz, ?)';
    });
    const moved = draft.accounts.map((account) => {
      params.push(account.id, account.balance?.toFixed() ?? null, account.lastSequence, account.chainHead);
      return '(?::uuid, ?::numeric, ?::bigint, ?)';
    });
    const update =
      moved.length === 0
        ? ''
        : `, moved as (
            update wallets set balance = v.balance, last_sequence = v.last_sequence, chain_head = v.chain_head
              from (values ${moved.join(', ')}) as v (id, balance, last_sequence, chain_head)
             where wallets.id = v.id
          )`;
    await this.em.execute(
      `with entry as (
         insert into journal_entries (id, type, created_at, reverses_id) values (?::uuid, ?, ?::timestamptz, ?::uuid)
       ), legs as (
         insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp, hash)
         values ${legs.join(', ')}
       )${update}
       select 1`,
      params,
    );
    return draft.operations;
  }
}
