import { Injectable } from '@nestjs/common';
import { oneOff, statement, Statements } from '@app/persistence';

/** Keys are kept at least this long (the contract says 24 hours). */
export const KEY_LIFETIME = '24 hours';

/** A key as its owner sent it. */
export interface KeyOf {
  userId: string;
  key: string;
}

/**
 * The keys of a batch, taken in one statement, in (user, key) order (two
 * batches that share keys wait on each other in one order, never in a
 * cycle). Returns the keys taken now; the others are held or were answered.
 */
const CLAIM_ALL = statement(
  'idempotency_claim_all',
  `insert into idempotency_keys (user_id, key, fingerprint, created_at, expires_at)
select k.user_id, k.key, k.fingerprint, clock_timestamp(), clock_timestamp() + interval '${KEY_LIFETIME}'
  from unnest($1::uuid[], $2::text[], $3::text[]) as k (user_id, key, fingerprint)
 order by k.user_id, k.key
    on conflict (user_id, key) do update
   set fingerprint = excluded.fingerprint, response_status = null, response_body = null,
       created_at = excluded.created_at, expires_at = excluded.expires_at
 where idempotency_keys.expires_at <= clock_timestamp()
returning user_id, key`,
);

const STORED = statement(
  'idempotency_stored',
  `select user_id, key, fingerprint, response_status, response_body
  from idempotency_keys
 where (user_id, key) in (select * from unnest($1::uuid[], $2::text[]))`,
);

const RECORD_ALL = statement(
  'idempotency_record_all',
  `update idempotency_keys
   set response_status = a.status, response_body = a.body
  from unnest($1::uuid[], $2::text[], $3::smallint[], $4::text[]) as a (user_id, key, status, body)
 where idempotency_keys.user_id = a.user_id and idempotency_keys.key = a.key`,
);

const RELEASE_ALL = statement(
  'idempotency_release_all',
  `delete from idempotency_keys k
 using unnest($1::uuid[], $2::text[]) as r (user_id, key)
 where k.user_id = r.user_id and k.key = r.key`,
);

/** The fingerprint of a key taken and not past its lifetime. */
const FINGERPRINT_OF = oneOff(
  'idempotency_fingerprint_of',
  `select fingerprint from idempotency_keys where user_id = $1::uuid and key = $2::text and expires_at > clock_timestamp()`,
);

/** Up to $1 keys past their lifetime, deleted (keys in use right now skipped); answers how many. */
const PURGE_EXPIRED = oneOff(
  'idempotency_purge_expired',
  `with purged as (
  delete from idempotency_keys where (user_id, key) in (
    select user_id, key from idempotency_keys where expires_at <= clock_timestamp()
     limit $1::bigint for update skip locked)
  returning 1)
select count(*)::int as purged from purged`,
);

export const keyString = (key: KeyOf) => `${key.userId}\u0000${key.key}`;

export interface StoredAnswer {
  fingerprint: string;
  /** Null: the key's request has not finished (cannot be seen once it committed; defensive). */
  status: number | null;
  body: string | null;
}

@Injectable()
export class IdempotencyKeyRepository {
  constructor(private readonly statements: Statements) {}

  /**
   * Takes distinct keys inside the caller's transaction, or reads what is
   * stored under those already held: one statement (two when some key was
   * held before). A concurrent request holding one of the keys (its
   * transaction not yet committed) makes the INSERT wait on the primary key
   * until that transaction ends; an expired key is taken over as if it were
   * new. Returns, per key, null when it is taken now, else what it holds.
   */
  async claimAll(keys: readonly (KeyOf & { fingerprint: string })[]): Promise<(StoredAnswer | null)[]> {
    const taken = await this.statements.run<{ user_id: string; key: string }>(CLAIM_ALL, [
      keys.map((key) => key.userId),
      keys.map((key) => key.key),
      keys.map((key) => key.fingerprint),
    ]);
    if (taken.length === keys.length) return keys.map(() => null);
    const takenNow = new Set(taken.map((row) => keyString({ userId: row.user_id, key: row.key })));
    const others = keys.filter((key) => !takenNow.has(keyString(key)));
    const stored = await this.storedAll(others);
    // A key neither taken nor found was deleted in between (expired): answered as in progress, the retry takes it.
    return keys.map((key) =>
      takenNow.has(keyString(key))
        ? null
        : (stored.get(keyString(key)) ?? { fingerprint: key.fingerprint, status: null, body: null }),
    );
  }

  /** What each key holds now, in the caller's transaction (its own writes seen): absent when nobody holds it. */
  async storedAll(keys: readonly KeyOf[]): Promise<Map<string, StoredAnswer>> {
    const rows = await this.statements.run<{
      user_id: string;
      key: string;
      fingerprint: string;
      response_status: number | null;
      response_body: string | null;
    }>(STORED, [keys.map((key) => key.userId), keys.map((key) => key.key)]);
    return new Map(
      rows.map((row) => [
        keyString({ userId: row.user_id, key: row.key }),
        { fingerprint: row.fingerprint, status: row.response_status, body: row.response_body },
      ]),
    );
  }

  /** `record` for many keys taken in the caller's transaction, in one statement. */
  async recordAll(answers: readonly (KeyOf & { status: number; body: string })[]): Promise<void> {
    if (answers.length === 0) return;
    await this.statements.run(RECORD_ALL, [
      answers.map((answer) => answer.userId),
      answers.map((answer) => answer.key),
      answers.map((answer) => answer.status),
      answers.map((answer) => answer.body),
    ]);
  }

  /** Gives back keys taken in the caller's transaction whose requests recorded nothing (one statement). */
  async releaseAll(keys: readonly KeyOf[]): Promise<void> {
    if (keys.length === 0) return;
    await this.statements.run(RELEASE_ALL, [keys.map((key) => key.userId), keys.map((key) => key.key)]);
  }

  /** The fingerprint of the request a key belongs to, if it is taken (read as committed). */
  async fingerprintOf(userId: string, key: string): Promise<string | null> {
    const [row] = await this.statements.read<{ fingerprint: string }>(FINGERPRINT_OF, [userId, key]);
    return row?.fingerprint ?? null;
  }

  /** Deletes keys past their lifetime; returns how many. */
  async purgeExpired(batch = 1_000): Promise<number> {
    // In batches, each its own short statement (idempotency_keys_expires_at_index):
    // a backlog never makes one long DELETE that runs into statement_timeout or
    // holds many row locks at once; keys in use right now are skipped. Each commits by itself.
    let total = 0;
    for (;;) {
      const [{ purged }] = await this.statements.autocommit<{ purged: number }>(PURGE_EXPIRED, [batch]);
      total += purged;
      if (purged < batch) return total;
    }
  }
}
