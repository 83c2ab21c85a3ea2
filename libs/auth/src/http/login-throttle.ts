import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { type Pooler, serviceStartupParameters } from '@app/persistence';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyLoginAttemptsError, TooManyRegistrationsError } from '../domain/auth.errors';
import { usernameKey } from '../domain/username';

/** Limits per window; 0 turns a limit off. Addresses are Express's req.ip (TRUST_PROXY decides). */
export interface ThrottleOptions {
  databaseUrl: string;
  windowSeconds: number;
  failedLoginsPerUsername: number;
  failedLoginsPerAddress: number;
  registrationsPerAddress: number;
  registrationWindowSeconds: number;
  /**
   * rate-limiter-flexible names its statements (`rate_limits:rlflx-upsert`, ...) whatever else is said:
   * false sends them unnamed (DB_PREPARED_STATEMENTS), as a transaction-mode pooler needs. Default true.
   */
  preparedStatements?: boolean;
  /** DB_POOLER: behind PgBouncer in transaction mode, no startup parameters (the role's defaults hold the timeouts). */
  pooler?: Pooler;
}

export const THROTTLE_OPTIONS = Symbol('THROTTLE_OPTIONS');

/** Created by a migration (Migration20261128090000_rate_limits), never at run time. */
const TABLE = 'rate_limits';
const PURGE_EVERY_MS = 5 * 60_000;
const PURGE_BATCH = 5_000;

export interface LoginAttempt {
  /** The password was right: this username's counter at this address starts over, the address gets its point back. */
  succeeded(): Promise<void>;
  /**
   * The credentials were wrong. At the per-address bound, this is when the
   * attempt is refused: TooManyLoginAttemptsError (429) instead of the 401.
   */
  failed(): Promise<void>;
  /** The credentials were never judged (an unexpected error): every point taken is given back. */
  abandoned(): Promise<void>;
}

type Taken = Array<{ limiter: RateLimiterPostgres; key: string }>;

/** rate-limiter-flexible's query, as its PostgreSQL store builds it (`_query`, lib/RateLimiterPostgres.js). */
interface StoreQuery {
  name?: string;
  text: string;
  values?: unknown[];
}

/**
 * The PostgreSQL store with its statements sent unnamed: parsed on each
 * call, never prepared by name on a connection (behind a transaction-mode
 * pooler, the next transaction's server connection would lack it, or already
 * have it: 26000, 42P05). `_query` is the one place the store names them
 * (rate-limiter-flexible 11).
 */
class UnpreparedRateLimiterPostgres extends RateLimiterPostgres {
  _query(query: StoreQuery): Promise<unknown> {
    const parent = RateLimiterPostgres.prototype as unknown as { _query(query: StoreQuery): Promise<unknown> };
    return parent._query.call(this, { text: query.text, values: query.values });
  }
}

/**
 * The login and registration throttles, on rate-limiter-flexible's PostgreSQL
 * store (a small pool of its own), so that the counts hold across API
 * instances and restarts.
 *
 * A login attempt takes its points before the password is checked (atomic
 * upserts), so that concurrent guesses cannot all slip under a limit, and
 * keeps them when the credentials are wrong. Two counters, fixed windows from
 * the first failure:
 * - username (folded key) at one address, `failedLoginsPerUsername` (5): the
 *   next attempt from that address answers 429 until the window ends, even
 *   with the right password (the password is not even checked); the owner
 *   logs in from elsewhere;
 * - one address across usernames, `failedLoginsPerAddress` (100): past it, a
 *   wrong password answers 429 (not 401) until the window ends, but a right
 *   one still logs in. A spray of usernames from an office's NAT address
 *   must not lock out the people behind it who know their password.
 * Registration (each one a slow hash too) is limited per address,
 * `registrationsPerAddress` (20 an hour by default).
 */
@Injectable()
export class LoginThrottle implements OnApplicationShutdown {
  private readonly logger = new Logger('Throttle');
  private readonly pool: Pool;
  private readonly perUsername?: RateLimiterPostgres;
  private readonly perAddress?: RateLimiterPostgres;
  private readonly registrations?: RateLimiterPostgres;
  private readonly purgeTimer: NodeJS.Timeout;

  constructor(@Inject(THROTTLE_OPTIONS) options: ThrottleOptions) {
    this.pool = new Pool({
      connectionString: options.databaseUrl,
      max: 2,
      application_name: 'wallet-ledger-throttle',
      ...serviceStartupParameters(options.pooler ?? 'none'),
    });
    const Store = options.preparedStatements === false ? UnpreparedRateLimiterPostgres : RateLimiterPostgres;
    // As for the session store's pool: a lost idle connection must not kill the process.
    this.pool.on('error', (error) => this.logger.warn(`throttle store connection lost: ${error.message}`));
    const limiter = (keyPrefix: string, points: number, duration: number) =>
      points > 0
        ? new Store({
            storeClient: this.pool,
            storeType: 'pool',
            tableName: TABLE,
            tableCreated: true,
            // Its timer would run per limiter and outlive the pool: purged below instead.
            clearExpiredByTimeout: false,
            keyPrefix,
            points,
            duration,
          })
        : undefined;
    this.perUsername = limiter('login-user', options.failedLoginsPerUsername, options.windowSeconds);
    this.perAddress = limiter('login-addr', options.failedLoginsPerAddress, options.windowSeconds);
    this.registrations = limiter('register-addr', options.registrationsPerAddress, options.registrationWindowSeconds);
    this.purgeTimer = setInterval(() => void this.purgeExpired(), PURGE_EVERY_MS).unref();
  }

  /**
   * Counts a login attempt before its password is checked. At the username's
   * limit: TooManyLoginAttemptsError (429) at once. At the address's limit,
   * the password is still checked: `failed()` refuses with the 429.
   */
  async beginLogin(address: string, username: string): Promise<LoginAttempt> {
    // Hashed: a username can be anything up to the body limit; the key column holds 255 characters.
    const userKey = `${address} ${createHash('sha256').update(usernameKey(username)).digest('base64url')}`;
    const taken: Taken = [];
    if (this.perUsername) {
      await this.take(this.perUsername, userKey, taken);
    }
    let addressRefusal: TooManyLoginAttemptsError | undefined;
    if (this.perAddress) {
      try {
        await this.take(this.perAddress, address, taken);
      } catch (error) {
        if (!(error instanceof TooManyLoginAttemptsError)) {
          await this.giveBack(taken);
          throw error;
        }
        addressRefusal = error;
      }
    }
    return {
      succeeded: async () => {
        await Promise.all([
          this.perUsername?.delete(userKey),
          this.giveBack(taken.filter(({ limiter }) => limiter === this.perAddress)),
        ]);
      },
      failed: async () => {
        if (addressRefusal) throw addressRefusal;
      },
      abandoned: () => this.giveBack(taken),
    };
  }

  /** Takes a point of `limiter` for `key` (noted in `taken`); at its limit TooManyLoginAttemptsError, nothing taken. */
  private async take(limiter: RateLimiterPostgres, key: string, taken: Taken): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        await this.giveBack(taken);
        throw new TooManyLoginAttemptsError(seconds(rejection.msBeforeNext));
      }
      throw rejection;
    }
    taken.push({ limiter, key });
  }

  /** Counts a registration from `address` (when limited); at the limit, TooManyRegistrationsError (429). */
  async beginRegistration(address: string): Promise<void> {
    if (!this.registrations) return;
    try {
      await this.registrations.consume(address);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new TooManyRegistrationsError(seconds(rejection.msBeforeNext));
      throw rejection;
    }
  }

  private async giveBack(taken: Taken): Promise<void> {
    await Promise.all(taken.map(({ limiter, key }) => limiter.reward(key, 1)));
  }

  /** Deletes counters expired for an hour, in batches (a spray of usernames leaves many). */
  async purgeExpired(): Promise<number> {
    let deleted = 0;
    try {
      for (;;) {
        const result = await this.pool.query(
          `delete from ${TABLE} where key in (select key from ${TABLE} where expire < $1 limit ${PURGE_BATCH})`,
          [Date.now() - 3600_000],
        );
        deleted += result.rowCount ?? 0;
        if ((result.rowCount ?? 0) < PURGE_BATCH) return deleted;
      }
    } catch (error) {
      this.logger.warn(`purging expired throttle counters failed: ${(error as Error).message}`);
      return deleted;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.purgeTimer);
    await this.pool.end();
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
