import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { Money } from '@app/money';
import { MoneyType } from '@app/persistence';

export const AdminActionType = {
  PROMOTE: 'PROMOTE',
  /** An admin made a user again (`make demote-admin`); their sessions ended with it. */
  DEMOTE: 'DEMOTE',
  /** Every session of a user ended (`make end-sessions`). */
  END_SESSIONS: 'END_SESSIONS',
  REVERSAL: 'REVERSAL',
  FREEZE: 'FREEZE',
  UNFREEZE: 'UNFREEZE',
  /** An operator voided a pending hold (target: the hold). */
  HOLD_VOID: 'HOLD_VOID',
} as const;
export type AdminActionType = (typeof AdminActionType)[keyof typeof AdminActionType];

/**
 * One line of the admin action log: who did what to which target, when and
 * why. Written in the same transaction as the action itself, append-only (a
 * trigger refuses UPDATE, DELETE and TRUNCATE), read newest first by
 * (created_at, id).
 */
@Entity({ tableName: 'admin_actions' })
@Index({ name: 'admin_actions_created_at_index', properties: ['createdAt', 'id'] })
@Index({ name: 'admin_actions_target_index', properties: ['target', 'createdAt', 'id'] })
export class AdminAction {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** The admin who acted; null for the command line (`make admin`). */
  @ManyToOne({
    entity: 'User',
    mapToPk: true,
    nullable: true,
    fieldName: 'admin_id',
    foreignKeyName: 'admin_actions_admin_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  adminId: string | null = null;

  @Enum({ items: () => AdminActionType })
  action: AdminActionType;

  /** The user, wallet, journal entry or hold acted on. */
  @Property({ type: 'uuid' })
  target: string;

  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  /** A REVERSAL's amount; null for other actions. */
  @Property({ type: MoneyType, nullable: true })
  amount: Money | null = null;

  /** A REVERSAL's own journal entry (the target is the entry it reversed); null for other actions. */
  @ManyToOne({
    entity: 'JournalEntry',
    mapToPk: true,
    nullable: true,
    fieldName: 'entry_id',
    foreignKeyName: 'admin_actions_entry_id_foreign',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  entryId: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'clock_timestamp()' })
  createdAt?: Date;
}
