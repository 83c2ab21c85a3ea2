import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { HashedFields } from '../domain/operation-hash';
import { ANCHOR_COLUMN, CHAINED_OPERATION_COLUMNS, type ChainedOperationRow, hashedFieldsOf } from './operation.row';

/** A user wallet as stored: what its operations must add up to. */
export interface AuditedWallet {
  id: string;
  balance: string;
  lastSequence: number;
  chainHead: string | null;
}

/** An operation as stored, every hashed field in its stored text form. */
export interface AuditedOperation extends HashedFields {
  hash: string;
  /** System legs only: the hash of the entry's user leg, which the leg chains to. */
  anchor?: string | null;
}

/**
 * The audit's reads: keyset-ordered batches, so that memory stays bounded
 * whatever the ledger's size, and every batch is one index range scan.
 */
@Injectable()
export class LedgerAuditQuery {
  constructor(private readonly em: EntityManager) {}

  async total(): Promise<string> {
    const [{ total }] = await this.em.execute<{ total: string }[]>(
      `select coalesce(sum(amount), 0)::numeric(20,2)::text as total from operations`,
    );
    return total;
  }

  /** Journal entries whose legs do not sum to zero (at most `limit`). */
  async unbalancedEntries(limit: number): Promise<string[]> {
    const rows = await this.em.execute<{ transfer_id: string }[]>(
      `select transfer_id from operations group by transfer_id having sum(amount) <> 0 order by transfer_id limit ?`,
      [limit],
    );
    return rows.map((row) => row.transfer_id);
  }

  /** The next user wallets after `afterId`, in id order. */
  async userWallets(afterId: string, limit: number): Promise<AuditedWallet[]> {
    const rows = await this.em.execute<
      { id: string; balance: string; last_sequence: string; chain_head: string | null }[]
    >(
      `select id, balance::text as balance, last_sequence::text as last_sequence, chain_head
         from wallets where kind = 'USER' and id > ? order by id limit ?`,
      [afterId, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      balance: row.balance,
      lastSequence: Number(row.last_sequence),
      chainHead: row.chain_head,
    }));
  }

  /**
   * Sequenced operations of the wallets from `firstWalletId` to
   * `lastWalletId`, in (wallet, sequence) order, after the given position
   * (the operations_wallet_sequence_unique index).
   */
  async sequencedOperations(
    firstWalletId: string,
    lastWalletId: string,
    after: { walletId: string; sequence: number } | null,
    limit: number,
  ): Promise<AuditedOperation[]> {
    const rows = await this.em.execute<ChainedOperationRow[]>(
      `select ${CHAINED_OPERATION_COLUMNS} from operations o
        where o.wallet_id between ? and ? and o.sequence is not null
          and (o.wallet_id, o.sequence) > (?, ?)
        order by o.wallet_id, o.sequence
        limit ?`,
      [firstWalletId, lastWalletId, after?.walletId ?? firstWalletId, after?.sequence ?? -1, limit],
    );
    return rows.map(toAudited);
  }

  /** Unsequenced operations (system wallets' legs, or a forged row on a user wallet) after `afterId`, with their anchor. */
  async unsequencedOperations(afterId: string, limit: number): Promise<(AuditedOperation & { walletKind: string })[]> {
    const rows = await this.em.execute<(ChainedOperationRow & { wallet_kind: string })[]>(
      `select ${CHAINED_OPERATION_COLUMNS}, w.kind as wallet_kind,
              ${ANCHOR_COLUMN}
         from operations o join wallets w on w.id = o.wallet_id
        where o.sequence is null and o.id > ?
        order by o.id
        limit ?`,
      [afterId, limit],
    );
    return rows.map((row) => ({ ...toAudited(row), walletKind: row.wallet_kind }));
  }
}

function toAudited(row: ChainedOperationRow): AuditedOperation {
  return { ...hashedFieldsOf(row), hash: row.hash ?? '', anchor: row.anchor };
}
