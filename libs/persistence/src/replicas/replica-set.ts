import type { MikroORM } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';

/** A WAL position (`pg_lsn`, written `X/Y` in hex) as a number that compares. */
export function parseLsn(text: string | null | undefined): bigint | null {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text ?? '');
  if (!match) return null;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export interface ReplicaSetOptions {
  /** The primary (DATABASE_URL): its WAL flush position is sampled to measure each replica's lag. */
  primaryUrl: string;
  urls: string[];
  maxLagSeconds: number;
  pollMs: number;
}

/** What the metrics read of each replica at scrape time. */
export interface ReplicaStatus {
  /** host:port of its URL (never the credentials). */
  name: string;
  /** Seconds since the primary first wrote WAL this replica has not replayed (0: caught up); null: unknown, down. */
  lagSeconds: number | null;
  /** Answering, in recovery and within the lag bound: reads may go to it. */
  usable: boolean;
}

/** Polls never wait long: a replica that does not answer within this is skipped, not waited for. */
const POLL_TIMEOUT_MS = 1_000;

function pollPool(url: string): Pool {
  const pool = new Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: POLL_TIMEOUT_MS,
    query_timeout: POLL_TIMEOUT_MS,
    idleTimeoutMillis: 0,
    application_name: 'wallet-ledger-replica-poll',
  });
  pool.on('error', () => undefined); // an idle connection dropped: the next poll reconnects
  return pool;
}

/** host:port of a URL, for logs and the metrics' `replica` label. */
export function replicaName(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    return 'replica';
  }
}

/** One hot standby: its own MikroORM (same entities, another pool) and what its last poll saw. */
export class Replica {
  replay: bigint | null = null;
  /** Date.now() of the last poll that answered (in recovery, with a replay position). */
  lastSeen = 0;
  private refreshing?: Promise<void>;

  constructor(
    readonly name: string,
    readonly orm: MikroORM,
    private readonly poll: Pool,
  ) {}

  /** Asks the replica how far it has replayed (concurrent callers share one query). */
  refresh(): Promise<void> {
    this.refreshing ??= this.ask().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** A read on it failed for want of the replica: skipped until a poll answers again. */
  failed(): void {
    this.lastSeen = 0;
  }

  private async ask(): Promise<void> {
    try {
      const { rows } = await this.poll.query<{ replay: string | null; recovery: boolean }>(
        'select pg_last_wal_replay_lsn()::text as replay, pg_is_in_recovery() as recovery',
      );
      const replay = parseLsn(rows[0]?.replay);
      // Promoted (no longer in recovery) or never a standby: not a replica of this primary any more.
      if (!rows[0]?.recovery || replay === null) {
        this.lastSeen = 0;
        return;
      }
      if (this.replay === null || replay > this.replay) this.replay = replay;
      this.lastSeen = Date.now();
    } catch {
      this.lastSeen = 0;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.poll.end(), this.orm.close(true)]);
  }
}

interface PrimarySample {
  at: number;
  lsn: bigint;
}

/**
 * The replicas of DATABASE_URL's server, and how far behind each one is.
 * Every `pollMs` the primary's WAL flush position is sampled (what a replica
 * can have: only flushed WAL is sent, and on an idle primary replay reaches it), then each
 * replica's replay position (`pg_last_wal_replay_lsn()`). A replica's lag is
 * the time since the primary first reached a position the replica has not
 * replayed (0 when it has replayed every sample): measured on this process's
 * clock, whatever the servers' clocks say, and 0 on an idle primary, where a
 * paused or slow replica misses nothing. A replica is usable while its last
 * poll answered recently, it is in recovery and its lag is within the bound.
 */
export class ReplicaSet {
  private readonly log = new Logger('Replicas');
  private readonly samples: PrimarySample[] = [];
  /** Date.now() of the last primary sample that answered (an idle primary's position does not move). */
  private primarySeenAt = 0;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private turn = 0;
  private readonly maxLagMs: number;
  private readonly staleMs: number;

  constructor(
    readonly replicas: Replica[],
    private readonly primary: Pool | undefined,
    private readonly options: Pick<ReplicaSetOptions, 'maxLagSeconds' | 'pollMs'>,
  ) {
    this.maxLagMs = options.maxLagSeconds * 1000;
    this.staleMs = Math.max(POLL_TIMEOUT_MS, 5 * options.pollMs);
  }

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.replicas.map((replica) => replica.close()), this.primary?.end()]);
  }

  /**
   * A usable replica that has replayed `after` (a client's last write; null:
   * any), or null: the read goes to the primary. When the polled positions
   * are behind `after`, the usable replicas are asked once more first (a
   * streaming replica is usually a millisecond behind; the poll may be 50).
   */
  async choose(after: bigint | null): Promise<Replica | null> {
    const usable = this.replicas.filter((replica) => this.usable(replica));
    if (usable.length === 0) return null;
    const caughtUp = () => usable.filter((replica) => after === null || (replica.replay ?? -1n) >= after);
    let ready = caughtUp();
    if (ready.length === 0) {
      await Promise.all(usable.map((replica) => replica.refresh()));
      ready = caughtUp().filter((replica) => this.usable(replica));
    }
    if (ready.length === 0) return null;
    return ready[this.turn++ % ready.length];
  }

  status(): ReplicaStatus[] {
    return this.replicas.map((replica) => {
      const lag = this.lagMs(replica);
      return { name: replica.name, lagSeconds: lag === null ? null : lag / 1000, usable: this.usable(replica) };
    });
  }

  private usable(replica: Replica): boolean {
    const lag = this.lagMs(replica);
    return lag !== null && lag <= this.maxLagMs;
  }

  /** null: down, promoted, or the primary not sampled lately (lag unknown). */
  private lagMs(replica: Replica, now = Date.now()): number | null {
    if (replica.replay === null || now - replica.lastSeen > this.staleMs) return null;
    if (now - this.primarySeenAt > this.staleMs) return null;
    const missed = this.samples.find((sample) => sample.lsn > replica.replay!);
    return missed ? now - missed.at : 0;
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // a poll still waiting (a stalled server) is not stacked on
    this.polling = true;
    try {
      await this.samplePrimary();
      await Promise.all(this.replicas.map((replica) => replica.refresh()));
    } finally {
      this.polling = false;
    }
  }

  private async samplePrimary(): Promise<void> {
    if (!this.primary) return;
    try {
      const { rows } = await this.primary.query<{ lsn: string }>('select pg_current_wal_flush_lsn()::text as lsn');
      const lsn = parseLsn(rows[0]?.lsn);
      if (lsn === null) return;
      const at = Date.now();
      this.primarySeenAt = at;
      const last = this.samples.at(-1);
      // Only the samples where the position moved matter: the first time the primary was past each position.
      if (!last || lsn > last.lsn) this.samples.push({ at, lsn });
      // Kept for the lag bound and a margin; older ones can only say "too far behind", which the oldest kept says.
      const horizon = at - this.maxLagMs - 2 * this.staleMs;
      while (this.samples.length > 1 && this.samples[1].at < horizon) this.samples.shift();
    } catch (error) {
      this.log.debug(`primary position not sampled: ${(error as Error).message}`);
    }
  }
}

export { pollPool };
