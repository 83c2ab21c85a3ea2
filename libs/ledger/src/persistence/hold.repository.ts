import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { Hold } from '../domain/hold.entity';

export interface Reservations {
  /** Sum of the wallet's holds that are PENDING and not past their expiry. */
  reserved: Money;
  /** PostgreSQL's clock, read in the same statement: the reference for expiry. */
  now: Date;
}

@Injectable()
export class HoldRepository {
  constructor(private readonly em: EntityManager) {}

  /** Served by holds_source_status_index; called under the wallet's lock when it decides a payment. */
  async reservationsOf(walletId: string): Promise<Reservations> {
    const [row] = await this.em.execute<{ reserved: string; now: Date }[]>(
      `select coalesce(sum(amount), 0)::numeric(20,2)::text as reserved, clock_timestamp() as now
         from holds
        where source_wallet_id = ? and status = 'PENDING' and expires_at > clock_timestamp()`,
      [walletId],
    );
    return { reserved: Money.of(row.reserved), now: new Date(row.now) };
  }

  /** PostgreSQL's clock: the one reference for expiry, whichever instance asks. */
  async databaseNow(): Promise<Date> {
    const [row] = await this.em.execute<{ now: Date }[]>('select clock_timestamp() as now');
    return new Date(row.now);
  }

  /** Locks the hold (FOR UPDATE): one capture or void at a time. */
  lockById(id: string): Promise<Hold | null> {
    return this.em.findOne(Hold, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /**
   * Locks up to `limit` holds that are PENDING past their expiry, skipping
   * any a capture or void holds right now (it will decide them itself).
   */
  async lockDue(limit: number): Promise<{ id: string; sourceWalletId: string }[]> {
    const rows = await this.em.execute<{ id: string; source_wallet_id: string }[]>(
      `select id, source_wallet_id from holds
        where status = 'PENDING' and expires_at <= clock_timestamp()
        order by expires_at
        limit ?
        for update skip locked`,
      [limit],
    );
    return rows.map((row) => ({ id: row.id, sourceWalletId: row.source_wallet_id }));
  }

  /** Marks locked, due holds EXPIRED as of their expiry. */
  async markExpired(ids: string[]): Promise<void> {
    await this.em.execute(
      `update holds set status = 'EXPIRED', resolved_at = expires_at where id in (${ids.map(() => '?').join(', ')})`,
      ids,
    );
  }

  add(hold: Hold): Hold {
    this.em.persist(hold);
    return hold;
  }
}
