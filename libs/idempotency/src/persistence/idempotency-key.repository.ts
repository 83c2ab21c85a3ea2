import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

/** Keys are kept at least this long (the contract says 24 hours). */
export const KEY_LIFETIME = '24 hours';

export interface StoredAnswer {
  fingerprint: string;
  /** Null: the key's request has not finished (cannot be seen once it committed; defensive). */
  status: number | null;
  body: string | null;
}

@Injectable()
export class IdempotencyKeyRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Takes the key for this request, inside the caller's transaction, or
   * returns the answer stored under it. A concurrent request holding the same
   * key (its transaction not yet committed) makes this INSERT wait on the
   * primary key until that transaction ends: then the stored answer is read.
   * An expired key is taken over as if it were new.
   */
  async claim(userId: string, key: string, fingerprint: string): Promise<StoredAnswer | null> {
    const claimed = await this.em.execute<unknown[]>(
      `insert into idempotency_keys (user_id, key, fingerprint, created_at, expires_at)
       values (?, ?, ?, clock_timestamp(), clock_timestamp() + interval '${KEY_LIFETIME}')
       on conflict (user_id, key) do update
          set fingerprint = excluded.fingerprint, response_status = null, response_body = null,
              created_at = excluded.created_at, expires_at = excluded.expires_at
        where idempotency_keys.expires_at <= clock_timestamp()
       returning 1`,
      [userId, key, fingerprint],
    );
    if (claimed.length > 0) return null;
    const [stored] = await this.em.execute<
      { fingerprint: string; response_status: number | null; response_body: string | null }[]
    >(`select fingerprint, response_status, response_body from idempotency_keys where user_id = ? and key = ?`, [
      userId,
      key,
    ]);
    return { fingerprint: stored.fingerprint, status: stored.response_status, body: stored.response_body };
  }

  /** Records the answer of the request that holds the key (same transaction as its postings). */
  async record(userId: string, key: string, answer: { status: number; body: string }): Promise<void> {
    await this.em.execute(
      `update idempotency_keys set response_status = ?, response_body = ? where user_id = ? and key = ?`,
      [answer.status, answer.body, userId, key],
    );
  }

  /** Deletes keys past their lifetime; returns how many. */
  async purgeExpired(batch = 1_000): Promise<number> {
    // In batches, each its own short statement (idempotency_keys_expires_at_index):
    // a backlog never makes one long DELETE that runs into statement_timeout or
    // holds many row locks at once; keys in use right now are skipped.
    let total = 0;
    for (;;) {
      const result = await this.em.execute<{ affectedRows: number }>(
        `delete from idempotency_keys where (user_id, key) in (
           select user_id, key from idempotency_keys where expires_at <= clock_timestamp()
            limit ? for update skip locked)`,
        [batch],
        'run',
      );
      total += result.affectedRows;
      if (result.affectedRows < batch) return total;
    }
  }
}
