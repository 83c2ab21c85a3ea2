import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ActionLine } from '@app/ledger';
import { Money } from '@app/money';
import { oneOff, Statements } from '@app/persistence';
import { AdminAction, type AdminActionType } from '../domain/admin-action.entity';

export interface ActionRecord {
  adminId: string | null;
  action: AdminActionType;
  target: string;
  reason: string | null;
  /** A REVERSAL's amount and its own journal entry (absent: null). */
  amount?: Money | null;
  entryId?: string | null;
}

export interface LoggedAction extends ActionRecord {
  id: string;
  amount: Money | null;
  entryId: string | null;
  adminUsername: string | null;
  /** The owner of the target when it is a user or a wallet (a hold: its payer); null for a REVERSAL. */
  targetUsername: string | null;
  /** A REVERSAL's reversed entry: who paid whom (null for other actions). */
  source: { walletId: string; username: string | null } | null;
  destination: { walletId: string; username: string | null } | null;
  createdAt: Date;
}

/** A position in the log, newest first: (created_at, id) of the last line served. */
export interface LogPosition {
  createdAt: Date;
  id: string;
}

/**
 * One page of the log, newest first, after $2/$3 (null: from the newest),
 * every action or those on $1 (null: all), with the names of the people
 * involved. Unnamed, so planned for the values it carries: the conditions of
 * a null parameter fold away, and the page walks admin_actions_target_index
 * (a target) or admin_actions_created_at_index (all).
 */
const LOG_PAGE = oneOff(
  'admin_actions_page',
  `select a.id, a.admin_id, adm.username as admin_username, a.action, a.target, a.reason,
       a.amount::text as amount, a.entry_id, a.created_at,
       case when a.action = 'REVERSAL' then null else coalesce(tu.username, twu.username, thu.username) end
         as target_username,
       leg.source_wallet_id, su.username as source_username,
       leg.destination_wallet_id, du.username as destination_username
  from (select * from admin_actions
         where ($1::uuid is null or target = $1::uuid)
           and ($2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3::uuid))
         order by created_at desc, id desc
         limit $4::bigint) a
  left join users adm on adm.id = a.admin_id
  left join users tu on tu.id = a.target
  left join wallets tw on tw.id = a.target
  left join users twu on twu.id = tw.user_id
  left join holds th on th.id = a.target
  left join wallets thw on thw.id = th.source_wallet_id
  left join users thu on thu.id = thw.user_id
  left join lateral (select o.source_wallet_id, o.destination_wallet_id from operations o
                      where a.action = 'REVERSAL' and o.transfer_id = a.target and o.amount > 0
                      limit 1) leg on true
  left join wallets sw on sw.id = leg.source_wallet_id
  left join users su on su.id = sw.user_id
  left join wallets dw on dw.id = leg.destination_wallet_id
  left join users du on du.id = dw.user_id
 order by a.created_at desc, a.id desc`,
);

@Injectable()
export class AdminActionRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly statements: Statements,
  ) {}

  /**
   * The line of an action that is a money movement (a reversal, an operator's
   * hold void), for the movements' batch to write in its own write statement.
   */
  static line(record: ActionRecord): ActionLine {
    return {
      id: randomUUID(),
      adminId: record.adminId,
      action: record.action,
      target: record.target,
      reason: record.reason,
      amount: record.amount ?? null,
      entryId: record.entryId ?? null,
    };
  }

  /** Joins the caller's unit of work (flushed at its end): the line commits with the action or not at all. */
  add(record: ActionRecord): AdminAction {
    const line = Object.assign(new AdminAction(), record);
    this.em.persist(line);
    return line;
  }

  /**
   * Newest first, after `after`, every action or those on `target`
   * (admin_actions_created_at_index, or admin_actions_target_index), with the
   * names of the people involved: one statement per page.
   */
  async page(after: LogPosition | undefined, limit: number, target?: string): Promise<LoggedAction[]> {
    const rows = await this.statements.read<LogRow>(LOG_PAGE, [
      target ?? null,
      after?.createdAt ?? null,
      after?.id ?? null,
      limit,
    ]);
    return rows.map((row) => ({
      id: row.id,
      adminId: row.admin_id,
      adminUsername: row.admin_username,
      action: row.action,
      target: row.target,
      reason: row.reason,
      amount: row.amount === null ? null : Money.of(row.amount),
      entryId: row.entry_id,
      targetUsername: row.target_username,
      source: row.source_wallet_id ? { walletId: row.source_wallet_id, username: row.source_username } : null,
      destination: row.destination_wallet_id
        ? { walletId: row.destination_wallet_id, username: row.destination_username }
        : null,
      createdAt: new Date(row.created_at),
    }));
  }
}

interface LogRow {
  id: string;
  admin_id: string | null;
  admin_username: string | null;
  action: AdminActionType;
  target: string;
  reason: string | null;
  amount: string | null;
  entry_id: string | null;
  created_at: Date;
  target_username: string | null;
  source_wallet_id: string | null;
  source_username: string | null;
  destination_wallet_id: string | null;
  destination_username: string | null;
}
