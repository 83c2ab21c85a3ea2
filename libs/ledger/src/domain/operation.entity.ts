import { BigIntType, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { Money } from '@app/money';
import { MoneyType } from '@app/persistence';
import { EntryType } from './journal-entry.entity';

/**
 * One leg of a journal entry, on one wallet. Append-only: a correction is a
 * new entry, never an update. For user wallets `sequence` runs 1, 2, 3, ...
 * without gaps and `balanceAfter` is the wallet's balance after this leg, so a
 * balance at any point costs one index seek. System wallets keep neither.
 *
 * Wallets are referenced by id (`entity: 'Wallet'`) so that the ledger does not
 * import the wallets feature that sits above it; the foreign keys exist all the same.
 */
@Entity({ tableName: 'operations' })
@Unique({ name: 'operations_wallet_sequence_unique', properties: ['walletId', 'sequence'] })
@Index({ name: 'operations_wallet_timestamp_index', properties: ['walletId', 'timestamp', 'sequence'] })
@Index({ name: 'operations_transfer_id_index', properties: ['transferId'] })
export class Operation {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({
    entity: 'JournalEntry',
    mapToPk: true,
    fieldName: 'transfer_id',
    foreignKeyName: 'operations_transfer_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  transferId: string;

  @ManyToOne({
    entity: 'Wallet',
    mapToPk: true,
    fieldName: 'wallet_id',
    foreignKeyName: 'operations_wallet_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  walletId: string;

  @ManyToOne({
    entity: 'Wallet',
    mapToPk: true,
    fieldName: 'source_wallet_id',
    foreignKeyName: 'operations_source_wallet_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  sourceWalletId: string;

  @ManyToOne({
    entity: 'Wallet',
    mapToPk: true,
    fieldName: 'destination_wallet_id',
    foreignKeyName: 'operations_destination_wallet_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  destinationWalletId: string;

  @Enum({ items: () => EntryType })
  type: EntryType;

  /** Signed: negative on the wallet that pays. */
  @Property({ type: MoneyType })
  amount: Money;

  @Property({ type: new BigIntType('number'), nullable: true })
  sequence: number | null = null;

  @Property({ type: MoneyType, nullable: true })
  balanceAfter: Money | null = null;

  /**
   * Taken by PostgreSQL when the row is inserted, which is after the wallet is
   * locked: within a wallet, timestamps never decrease as the sequence grows.
   */
  @Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'clock_timestamp()' })
  timestamp?: Date;

  /**
   * SHA-256 (hex) over this operation's canonical encoding and the hash it
   * chains to (see operation-hash.ts): the wallet's previous operation for a
   * user wallet, the entry's user leg for a system wallet's leg.
   */
  @Property({ type: 'string', length: 64 })
  hash: string;

  // Read along with the operation, not columns of its own (no decorator: MikroORM maps neither).

  /** On a REVERSAL's legs: the entry it corrects (journal_entries.reverses_id); else null. */
  reverses: string | null = null;

  /** What this operation's entry has had reversed so far (its reversals' total); null while nothing. */
  reversedAmount: Money | null = null;
}
