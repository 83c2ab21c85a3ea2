import type { HashedFields } from '../domain/operation-hash';

/**
 * An operation row as the chain's readers select it (the audit, the hash
 * backfill): every hashed field in its stored text form, so that what is
 * hashed is exactly what is stored.
 */
export interface ChainedOperationRow {
  id: string;
  transfer_id: string;
  type: string;
  wallet_id: string;
  source_wallet_id: string;
  destination_wallet_id: string;
  amount: string;
  sequence: string | null;
  balance_after: string | null;
  timestamp: Date;
  hash: string | null;
  /** System legs only: the hash of the entry's user leg, which the leg chains to. */
  anchor?: string | null;
}

/** The columns of ChainedOperationRow, from `operations o`. */
export const CHAINED_OPERATION_COLUMNS = `o.id, o.transfer_id, o.type, o.wallet_id, o.source_wallet_id, o.destination_wallet_id,
  o.amount::text as amount, o.sequence::text as sequence, o.balance_after::text as balance_after, o.timestamp, o.hash`;

/** The subquery of a system leg's anchor: its entry's user leg (the lowest wallet id, as PostingService picks). */
export const ANCHOR_COLUMN = `(select u.hash from operations u where u.transfer_id = o.transfer_id and u.sequence is not null
    order by u.wallet_id limit 1) as anchor`;

export function hashedFieldsOf(row: ChainedOperationRow): HashedFields {
  return {
    id: row.id,
    transferId: row.transfer_id,
    type: row.type,
    walletId: row.wallet_id,
    sourceWalletId: row.source_wallet_id,
    destinationWalletId: row.destination_wallet_id,
    amount: row.amount,
    sequence: row.sequence === null ? null : Number(row.sequence),
    balanceAfter: row.balance_after,
    timestamp: new Date(row.timestamp),
  };
}
