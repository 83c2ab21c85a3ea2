import { BigIntType, Check, Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { type LedgerAccount, WalletKind } from '@app/ledger';
import type { Money } from '@app/money';
import { MoneyType } from '@app/persistence';

/**
 * A wallet: a ledger account. User wallets carry their current balance and
 * last sequence, updated with every posting in the same unit of work (a
 * balance read is O(1)); the check constraint keeps them at or above zero even
 * if code ever forgot to. System wallets carry neither (see WalletKind).
 */
@Entity({ tableName: 'wallets' })
@Check({ name: 'wallets_pending_holds_check', expression: 'pending_holds >= 0' })
@Check({
  name: 'wallets_running_balance_check',
  expression: `(kind = 'USER' and balance is not null and balance >= 0 and last_sequence is not null and last_sequence >= 0)
    or (kind = 'SYSTEM' and balance is null and last_sequence is null)`,
})
export class Wallet implements LedgerAccount {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** The owner; null for system wallets. One wallet per user. */
  @ManyToOne({
    entity: 'User',
    mapToPk: true,
    nullable: true,
    fieldName: 'user_id',
    unique: 'wallets_user_id_unique',
    foreignKeyName: 'wallets_user_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  userId: string | null = null;

  @Enum({ items: () => WalletKind })
  kind: WalletKind;

  @Property({ type: MoneyType, nullable: true })
  balance: Money | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  lastSequence: number | null;

  @Property({ type: 'integer', default: 0 })
  pendingHolds: number = 0;

  /** Hash of the newest operation: what the next one chains to (see the ledger's operation-hash.ts). */
  @Property({ type: 'string', length: 64, nullable: true })
  chainHead: string | null = null;

  /** Set by an admin's freeze: a frozen wallet neither pays nor is paid. */
  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  frozenAt: Date | null = null;

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'clock_timestamp()' })
  createdAt?: Date;
}
