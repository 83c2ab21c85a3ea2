import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { oneOff, statement, Statements } from '@app/persistence';
import { Hold, type HoldStatus } from '../domain/hold.entity';

/** Per wallet, what its PENDING holds not past their expiry at $2 reserve (holds_source_status_index). */
const RESERVED_ON = statement(
  'holds_reserved_on',
  `select source_wallet_id, sum(amount)::text as reserved
  from holds
 where source_wallet_id = any($1::uuid[]) and status = 'PENDING' and expires_at > $2::timestamptz
 group by source_wallet_id`,
);

/** What the wallet's PENDING holds not past their expiry reserve now, by PostgreSQL's clock (holds_source_status_index). */
const RESERVED_NOW = statement(
  'holds_reserved_now',
  `select coalesce(sum(amount), 0)::numeric(20,2)::text as reserved
  from holds
 where source_wallet_id = $1 and status = 'PENDING' and expires_at > clock_timestamp()`,
);

/**
 * The holds a batch captures or voids, locked in id order (one capture or void
 * of each at a time), read as plain objects: the batch writes what it decides
 * in its own write statement, not through the unit of work's change tracking.
 */
const LOCK_ALL = statement(
  'holds_lock_all',
  `select id, source_wallet_id, destination_wallet_id, amount::text as amount, status, expires_at,
       captured_amount::text as captured_amount, transfer_id, created_at, resolved_at
  from holds
 where id = any($1::uuid[])
 order by id
   for update`,
);

/** Up to $1 holds PENDING past their expiry, locked, skipping those a capture or void holds right now. */
const LOCK_DUE = oneOff(
  'holds_lock_due',
  `select id, source_wallet_id from holds
 where status = 'PENDING' and expires_at <= clock_timestamp()
 order by expires_at
 limit $1::bigint
   for update skip locked`,
);

/** The locked, due holds $1 EXPIRED as of their expiry. */
const MARK_EXPIRED = oneOff(
  'holds_mark_expired',
  `update holds set status = 'EXPIRED', resolved_at = expires_at where id = any($1::uuid[])`,
);

interface HoldRow {
  id: string;
  source_wallet_id: string;
  destination_wallet_id: string;
  amount: string;
  status: HoldStatus;
  expires_at: Date;
  captured_amount: string | null;
  transfer_id: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

@Injectable()
export class HoldRepository {
  constructor(private readonly statements: Statements) {}

  /** What active holds reserve on each of `walletIds` at `now` (a wallet absent from the map: nothing). */
  async reservedOn(walletIds: readonly string[], now: Date): Promise<Map<string, Money>> {
    const rows = await this.statements.run<{ source_wallet_id: string; reserved: string }>(RESERVED_ON, [
      walletIds,
      now,
    ]);
    return new Map(rows.map((row) => [row.source_wallet_id, Money.of(row.reserved)]));
  }

  /**
   * Locks the holds (FOR UPDATE, in id order): one capture or void of each at
   * a time. The holds are not managed by the unit of work: what the batch
   * decides about them is written by its write statement (LedgerWriter).
   */
  async lockAll(ids: readonly string[]): Promise<Hold[]> {
    const rows = await this.statements.run<HoldRow>(LOCK_ALL, [ids]);
    return rows.map((row) =>
      Object.assign(new Hold(), {
        id: row.id,
        sourceWalletId: row.source_wallet_id,
        destinationWalletId: row.destination_wallet_id,
        amount: Money.of(row.amount),
        status: row.status,
        expiresAt: new Date(row.expires_at),
        capturedAmount: row.captured_amount === null ? null : Money.of(row.captured_amount),
        transferId: row.transfer_id,
        createdAt: new Date(row.created_at),
        resolvedAt: row.resolved_at === null ? null : new Date(row.resolved_at),
      }),
    );
  }

  /** What the wallet's PENDING holds not past their expiry reserve now, by PostgreSQL's clock (holds_source_status_index). */
  async reservedNow(walletId: string): Promise<Money> {
    const [row] = await this.statements.read<{ reserved: string }>(RESERVED_NOW, [walletId]);
    return Money.of(row.reserved);
  }

  /**
   * Locks up to `limit` holds that are PENDING past their expiry, skipping
   * any a capture or void holds right now (it will decide them itself). In
   * the caller's unit of work.
   */
  async lockDue(limit: number): Promise<{ id: string; sourceWalletId: string }[]> {
    const rows = await this.statements.run<{ id: string; source_wallet_id: string }>(LOCK_DUE, [limit]);
    return rows.map((row) => ({ id: row.id, sourceWalletId: row.source_wallet_id }));
  }

  /** Marks locked, due holds EXPIRED as of their expiry (in the caller's unit of work). */
  async markExpired(ids: string[]): Promise<void> {
    await this.statements.run(MARK_EXPIRED, [ids]);
  }
}
