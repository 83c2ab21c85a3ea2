import type { Pool } from 'pg';
import { CoalescedReads, type CoalescedReadStats, isConnectionLost, queryConfig, statement } from '@app/persistence';

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

/** What the reads cost so far: ids asked for, and the queries that answered them. */
export type SessionReadStats = CoalescedReadStats;

/**
 * The session rows (table `session`, connect-pg-simple's schema), read by
 * id with concurrent reads coalesced (CoalescedReads: one query for every
 * read waiting, coalescing and never caching, so once a logout has deleted
 * the row no read asked for after that is answered with the session).
 *
 * `prepared`: the statement is sent named, parsed and planned once per
 * connection. Off behind a transaction-mode pooler (DB_PREPARED_STATEMENTS).
 */
export class SessionRepository {
  private readonly reads = new CoalescedReads<string, string>((sids) => this.query(sids), MAX_IDS_PER_QUERY);

  constructor(
    private readonly pool: Pool,
    private readonly prepared: boolean,
  ) {}

  /** The session's JSON text while it is live (not expired), else undefined. */
  findLive(sid: string): Promise<string | undefined> {
    return this.reads.read(sid);
  }

  stats(): SessionReadStats {
    return this.reads.stats();
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
    // Whole seconds, rounded up, as connect-pg-simple's own read compares.
    const values = [sids, Math.ceil(Date.now() / 1000)];
    const { rows } = await this.pool.query<{ sid: string; sess: string }>(
      queryConfig(READ_LIVE, values, this.prepared),
    );
    return new Map(rows.map((row) => [row.sid, row.sess]));
  }
}
