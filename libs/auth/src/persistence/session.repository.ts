import type { Pool } from 'pg';
import { isConnectionLost, queryConfig, statement } from '@app/persistence';

/** At most this many ids in one read; more waiting readers are served by the next query. */
const MAX_IDS_PER_QUERY = 500;

/**
 * connect-pg-simple's read, for many ids at once: the same table, the same
 * expiry test against the same clock (this process's, in whole seconds).
 * `sess` comes back as text, so that each reader parses its own copy.
 */
const READ_LIVE = statement(
  'auth_sessions_live_by_sid',
  'select sid, sess::text as sess from session where sid = any($1) and expire >= to_timestamp($2)',
);

interface Reader {
  resolve(sess: string | undefined): void;
  reject(error: unknown): void;
}

/** What the reads cost so far: ids asked for, and the queries that answered them. */
export interface SessionReadStats {
  reads: number;
  queries: number;
}

/**
 * The session rows (table `session`, connect-pg-simple's schema), read by
 * id with concurrent reads coalesced: every read asked for while no query is
 * in flight waits for the end of the event-loop turn, and every read asked
 * for while a query is in flight waits for that query to end; then one query
 * (`sid = any($1)`) answers all of them. Under load each authenticated
 * request costs a fraction of a round trip instead of one.
 *
 * Coalescing, never caching: a read is answered only by a query sent after
 * it was asked for, and nothing is kept once the query answered. So once a
 * logout has deleted the row, no read asked for after that can be answered
 * with the session, on this instance or any other.
 *
 * `prepared`: the statement is sent named, parsed and planned once per
 * connection. Off behind a transaction-mode pooler (DB_PREPARED_STATEMENTS).
 */
export class SessionRepository {
  private waiting = new Map<string, Reader[]>();
  private draining = false;
  private readonly counts: SessionReadStats = { reads: 0, queries: 0 };

  constructor(
    private readonly pool: Pool,
    private readonly prepared: boolean,
  ) {}

  /** The session's JSON text while it is live (not expired), else undefined. */
  findLive(sid: string): Promise<string | undefined> {
    this.counts.reads++;
    return new Promise((resolve, reject) => {
      const readers = this.waiting.get(sid);
      if (readers) readers.push({ resolve, reject });
      else this.waiting.set(sid, [{ resolve, reject }]);
      if (!this.draining) {
        this.draining = true;
        // After this turn's I/O callbacks: requests that arrived together share the first query.
        setImmediate(() => void this.drain());
      }
    });
  }

  stats(): SessionReadStats {
    return { ...this.counts };
  }

  /** One query at a time, each for every read waiting when it is sent, until none waits. */
  private async drain(): Promise<void> {
    while (this.waiting.size > 0) {
      const batch = this.take();
      try {
        const rows = await this.query([...batch.keys()]);
        for (const [sid, readers] of batch) for (const reader of readers) reader.resolve(rows.get(sid));
      } catch (error) {
        for (const readers of batch.values()) for (const reader of readers) reader.reject(error);
      }
    }
    this.draining = false;
  }

  private take(): Map<string, Reader[]> {
    if (this.waiting.size <= MAX_IDS_PER_QUERY) {
      const batch = this.waiting;
      this.waiting = new Map();
      return batch;
    }
    const batch = new Map<string, Reader[]>();
    for (const [sid, readers] of this.waiting) {
      if (batch.size === MAX_IDS_PER_QUERY) break;
      batch.set(sid, readers);
      this.waiting.delete(sid);
    }
    return batch;
  }

  /**
   * A read, so it is sent once more (once) when its connection turns out to
   * be lost or refused: an idle pooled connection whose server went away (a
   * failover, a restart, a terminated backend) is only found out when used,
   * and pg-pool replaces it. Not after a timeout: the 503 comes at once.
   */
  private async query(sids: string[]): Promise<Map<string, string>> {
    try {
      return await this.queryOnce(sids);
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      return this.queryOnce(sids);
    }
  }

  private async queryOnce(sids: string[]): Promise<Map<string, string>> {
    this.counts.queries++;
    // Whole seconds, rounded up, as connect-pg-simple's own read compares.
    const values = [sids, Math.ceil(Date.now() / 1000)];
    const { rows } = await this.pool.query<{ sid: string; sess: string }>(
      queryConfig(READ_LIVE, values, this.prepared),
    );
    return new Map(rows.map((row) => [row.sid, row.sess]));
  }
}
