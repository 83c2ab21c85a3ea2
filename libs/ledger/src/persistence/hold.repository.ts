import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { statement, Statements } from '@app/persistence';
import { Hold } from '../domain/hold.entity';

/** Per wallet, what its PENDING holds not past their expiry at $2 reserve (holds_source_status_index). */
const RESERVED_ON = statement(
  'holds_reserved_on',
  `select source_wallet_id, sum(amount)::text as reserved
  from holds
 where source_wallet_id = any($1::uuid[]) and status = 'PENDING' and expires_at > $2::timestamptz
 group by source_wallet_id`,
);

@Injectable()
export class HoldRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly statements: Statements,
  ) {}

  /** What active holds reserve on each of `walletIds` at `now` (a wallet absent from the map: nothing). */
  async reservedOn(walletIds: readonly string[], now: Date): Promise<Map<string, Money>> {
    const rows = await this.statements.run<{ source_wallet_id: string; reserved: string }>(RESERVED_ON, [
      walletIds,
      now,
    ]);
    return new Map(rows.map((row) => [row.source_wallet_id, Money.of(row.reserved)]));
  }

  /** Locks the holds (FOR UPDATE, in id order): one capture or void of each at a time. */
  lockAll(ids: readonly string[]): Promise<Hold[]> {
    return this.em.find(
      Hold,
      { id: { $in: [...ids] } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true },
    );
  }

  /** What the wallet's PENDING holds not past their expiry reserve now, by PostgreSQL's clock (holds_source_status_index). */
  async reservedNow(walletId: string): Promise<Money> {
    const [row] = await this.em.execute<{ reserved: string }[]>(
      `select coalesce(sum(amount), 0)::numeric(20,2)::text as reserved
         from holds
        where source_wallet_id = ? and status = 'PENDING' and expires_at > clock_timestamp()`,
      [walletId],
    );
    return Money.of(row.reserved);
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
