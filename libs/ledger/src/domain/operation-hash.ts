import { createHash } from 'node:crypto';

/**
 * The tamper-evident chain of the ledger. Every operation stores
 * `hash = SHA-256(encoding v1 of its fields + the hash it chains to)`:
 *
 * - a user wallet's operation chains to the wallet's previous operation
 *   (sequence - 1), the first one to GENESIS_HASH; the wallet row keeps the
 *   newest hash (`chain_head`), read under the wallet's lock like the balance;
 * - a system wallet's leg (the funding wallet keeps no sequence, so that
 *   deposits never queue on its row) chains to the hash of its entry's user
 *   leg (a deposit has exactly one), which is itself in a wallet's chain.
 *
 * An edit, deletion or insertion made with SQL breaks a recomputed hash, a
 * link, a sequence or a running balance, and the audit names the first break.
 * Without a secret key the chain does not stop someone who rewrites every
 * later hash of a wallet too; comparing `chain_head`s with a copy kept
 * elsewhere does.
 *
 * This file is the only definition of encoding v1 (the migration that hashed
 * the rows written before the chain existed uses it too). Never change it: a
 * new encoding would be a new version, with a column telling which rows use
 * which (today every row is v1, and the version is the first line it hashes).
 */
export const HASH_ENCODING_VERSION = 'ledger-operation/v1';

export const GENESIS_HASH = '0'.repeat(64);

/** The fields an operation's hash covers, in their stored text form. */
export interface HashedFields {
  id: string;
  transferId: string;
  type: string;
  walletId: string;
  sourceWalletId: string;
  destinationWalletId: string;
  /** Two fraction digits, signed: "-50.00". */
  amount: string;
  sequence: number | null;
  /** Two fraction digits, or null (system wallets). */
  balanceAfter: string | null;
  timestamp: Date;
}

/** One field per line: no field can contain a newline (uuids, enums, decimals, ISO time). */
export function encodeOperation(fields: HashedFields, previous: string): string {
  return [
    HASH_ENCODING_VERSION,
    `id=${fields.id}`,
    `entry=${fields.transferId}`,
    `type=${fields.type}`,
    `wallet=${fields.walletId}`,
    `source=${fields.sourceWalletId}`,
    `destination=${fields.destinationWalletId}`,
    `amount=${fields.amount}`,
    `sequence=${fields.sequence ?? ''}`,
    `balance_after=${fields.balanceAfter ?? ''}`,
    `timestamp=${fields.timestamp.toISOString()}`,
    `previous=${previous}`,
  ].join('\n');
}

export function operationHash(fields: HashedFields, previous: string): string {
  return createHash('sha256').update(encodeOperation(fields, previous)).digest('hex');
}
