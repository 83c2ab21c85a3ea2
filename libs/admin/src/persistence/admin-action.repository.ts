import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
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
  createdAt: Date;
}

/** A position in the log, newest first: (created_at, id) of the last line served. */
export interface LogPosition {
  createdAt: Date;
  id: string;
}

@Injectable()
export class AdminActionRepository {
  constructor(private readonly em: EntityManager) {}

  /** Joins the caller's unit of work: the line commits with the action or not at all. */
  add(record: ActionRecord): AdminAction {
    const line = Object.assign(new AdminAction(), record);
    this.em.persist(line);
    return line;
  }

  /** Newest first, after `after`, over admin_actions_created_at_index. */
  async page(after: LogPosition | undefined, limit: number): Promise<LoggedAction[]> {
    const rows = await this.em.execute<
      {
        id: string;
        admin_id: string | null;
        admin_username: string | null;
        action: AdminActionType;
        target: string;
        reason: string | null;
        amount: string | null;
        entry_id: string | null;
        created_at: Date;
      }[]
    >(
      `select a.id, a.admin_id, u.username as admin_username, a.action, a.target, a.reason,
              a.amount::text as amount, a.entry_id, a.created_at
         from admin_actions a left join users u on u.id = a.admin_id
        ${after ? 'where (a.created_at, a.id) < (?, ?)' : ''}
        order by a.created_at desc, a.id desc
        limit ?`,
      after ? [after.createdAt, after.id, limit] : [limit],
    );
    return rows.map((row) => ({
      id: row.id,
      adminId: row.admin_id,
      adminUsername: row.admin_username,
      action: row.action,
      target: row.target,
      reason: row.reason,
      amount: row.amount === null ? null : Money.of(row.amount),
      entryId: row.entry_id,
      createdAt: new Date(row.created_at),
    }));
  }
}
