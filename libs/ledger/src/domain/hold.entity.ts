import { Check, Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { Money } from '@app/money';
import { MoneyType } from '@app/persistence';

export const HoldStatus = {
  PENDING: 'PENDING',
  CAPTURED: 'CAPTURED',
  VOIDED: 'VOIDED',
  /** A pending hold past its expiry, marked so by the expiry sweeper (it reserved nothing since expires_at). */
  EXPIRED: 'EXPIRED',
} as const;
export type HoldStatus = (typeof HoldStatus)[keyof typeof HoldStatus];

/**
 * A reservation of money on a user wallet for a destination (the first phase
 * of a two-phase transfer). While PENDING and not past `expiresAt` it counts
 * against the wallet's available balance. Correctness needs no background job:
 * every reader compares `expiresAt` with PostgreSQL's clock, so a hold past its
 * time reserves nothing and cannot be captured, whether or not anything ran.
 * The expiry sweeper then marks it EXPIRED and takes it off the wallet's
 * pending-holds counter, so that later payments need not read it.
 *
 * Holds are ledger data (they decide what a wallet may spend); the hold use
 * cases live with transfers. A capture posts an ordinary TRANSFER entry.
 */
@Entity({ tableName: 'holds' })
@Index({ name: 'holds_source_status_index', properties: ['sourceWalletId', 'status'] })
@Index({ name: 'holds_source_created_at_index', properties: ['sourceWalletId', 'createdAt', 'id'] })
@Check({
  name: 'holds_amounts_check',
  expression: `amount > 0 and (captured_amount is null or (captured_amount > 0 and captured_amount <= amount))`,
})
export class Hold {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({
    entity: 'Wallet',
    mapToPk: true,
    fieldName: 'source_wallet_id',
    foreignKeyName: 'holds_source_wallet_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  sourceWalletId: string;

  @ManyToOne({
    entity: 'Wallet',
    mapToPk: true,
    fieldName: 'destination_wallet_id',
    foreignKeyName: 'holds_destination_wallet_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  destinationWalletId: string;

  @Property({ type: MoneyType })
  amount: Money;

  @Enum({ items: () => HoldStatus })
  status: HoldStatus = HoldStatus.PENDING;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)' })
  expiresAt: Date;

  @Property({ type: MoneyType, nullable: true })
  capturedAmount: Money | null = null;

  /** The TRANSFER journal entry a capture posted. */
  @ManyToOne({
    entity: 'JournalEntry',
    mapToPk: true,
    nullable: true,
    fieldName: 'transfer_id',
    foreignKeyName: 'holds_transfer_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  transferId: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'clock_timestamp()' })
  createdAt?: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  resolvedAt: Date | null = null;

  /** Whether the hold is past its expiry at `now` (PostgreSQL's clock, read after the locks). */
  isExpiredAt(now: Date): boolean {
    return this.expiresAt.getTime() <= now.getTime();
  }
}
