import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import connectPgSimple from 'connect-pg-simple';
import { parse as parseCookies } from 'cookie';
import { unsign } from 'cookie-signature';
import type { Request, RequestHandler, Response } from 'express';
import expressSession, { type SessionData } from 'express-session';
import passport from 'passport';
import { Pool } from 'pg';
import { DATABASE_TIMEOUTS, databaseUnavailable, type Pooler, serviceStartupParameters } from '@app/persistence';
import type { SessionUser } from '../domain/session-user';
import { type SessionReadStats, SessionRepository } from '../persistence/session.repository';
import { localSessionSecret } from './session-secret';

export const SESSION_COOKIE = 'sessionid';

export interface SessionOptions {
  databaseUrl: string;
  /** Unset (outside production): generated once and kept in `secretFile`. */
  secret: string | undefined;
  secretFile: string;
  maxAgeSeconds: number;
  secureCookies: boolean;
  /** Send the session read as a named prepared statement (DB_PREPARED_STATEMENTS). */
  preparedStatements: boolean;
  /** DB_POOLER: behind PgBouncer in transaction mode, no startup parameters (the role's defaults hold the timeouts). */
  pooler?: Pooler;
}

export const SESSION_OPTIONS = Symbol('SESSION_OPTIONS');

const PgStore = connectPgSimple(expressSession);

/**
 * connect-pg-simple's store (writes, deletes, pruning of expired rows) with
 * its reads coalesced by SessionRepository: concurrent requests' lookups
 * become one query.
 */
class CoalescingPgStore extends PgStore {
  constructor(
    options: ConstructorParameters<typeof PgStore>[0],
    private readonly rows: SessionRepository,
  ) {
    super(options);
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    // Called back outside the promise, as connect-pg-simple does: what the callback throws is not a rejection.
    this.rows.findLive(sid).then(
      (text) => process.nextTick(callback, null, text === undefined ? null : (JSON.parse(text) as SessionData)),
      (error: unknown) => process.nextTick(callback, error),
    );
  }
}

/**
 * Loads the caller's session and user into a request: express-session with
 * its sessions in PostgreSQL (table `session`, created by a migration; they
 * survive an API restart and are shared by every instance), then passport.
 * Called by the AuthGuard on the routes that need a session, never as an
 * app-wide middleware: an anonymous request to /healthcheck, /readyz or a
 * static file neither reads nor creates one. The store gets a small pool of
 * its own.
 */
@Injectable()
export class SessionLoader implements OnApplicationShutdown {
  private readonly logger = new Logger('Sessions');
  private readonly pool: Pool;
  private readonly rows: SessionRepository;
  private readonly store: { close(): void };
  private readonly handlers: RequestHandler[];
  private readonly secret: string;

  constructor(@Inject(SESSION_OPTIONS) options: SessionOptions) {
    this.pool = new Pool({
      connectionString: options.databaseUrl,
      max: 4,
      application_name: 'wallet-ledger-sessions',
      // The same bounds as the ORM's pool: a database that is away answers 503 in bounded time, never a hang.
      connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs,
      query_timeout: DATABASE_TIMEOUTS.queryMs,
      // The ORM pool's lock and statement bounds (straight to PostgreSQL; behind a pooler, the role's defaults).
      ...serviceStartupParameters(options.pooler ?? 'none'),
    });
    // An idle client's connection can end under it (a database restart, a
    // terminated backend): pg reports it on the pool, and an 'error' event
    // without a listener would kill the process. The next query reconnects.
    this.pool.on('error', (error) => this.logger.warn(`session store connection lost: ${error.message}`));
    this.rows = new SessionRepository(this.pool, options.preparedStatements);
    const store = new CoalescingPgStore(
      {
        pool: this.pool,
        tableName: 'session',
        createTableIfMissing: false,
        // Expiry is absolute (maxAge from login): no UPDATE on every request.
        disableTouch: true,
        pruneSessionInterval: 15 * 60,
      },
      this.rows,
    );
    this.store = store;
    this.secret = options.secret ?? localSessionSecret(options.secretFile, (line) => this.logger.log(line));
    const session = expressSession({
      name: SESSION_COOKIE,
      secret: this.secret,
      store,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secureCookies,
        maxAge: options.maxAgeSeconds * 1000,
        path: '/',
      },
    });
    this.handlers = [session, passport.initialize(), passport.session()];
  }

  /**
   * Runs express-session and passport on the request: `req.session` (read
   * from PostgreSQL when the cookie names one), `req.user` when logged in.
   * A store that cannot reach PostgreSQL rejects with the error that answers
   * 503 (Retry-After), as the ORM's pool does.
   */
  load(request: Request, response: Response): Promise<void> {
    return new Promise((resolve, reject) => {
      let index = 0;
      const next = (error?: unknown) => {
        if (error) return reject(databaseUnavailable(error) ?? error);
        const handler = this.handlers[index++];
        if (!handler) return resolve();
        handler(request, response, next);
      };
      next();
    });
  }

  /**
   * `req.user` from the session the request's cookie names, for a route that
   * only needs to know who calls (every protected route): the same cookie,
   * the same signature check and the same store read (coalesced, live rows
   * only) as express-session's, the user as passport's deserialiser makes
   * it, and nothing else. No session object is built, none is hashed again
   * as the answer ends to see whether it changed, no passport methods are
   * added to the request: about a tenth of an authenticated read's CPU.
   * Only the public routes that log in or out need `load`. A cookie that is
   * missing, unsigned, signed with another secret or naming no live session
   * leaves `req.user` unset (401); a store that cannot reach PostgreSQL
   * rejects with the error that answers 503, as `load` does.
   */
  async authenticate(request: Request): Promise<void> {
    const sid = this.sessionIdOf(request);
    if (sid === undefined) return;
    let text: string | undefined;
    try {
      text = await this.rows.findLive(sid);
    } catch (error) {
      throw databaseUnavailable(error) ?? error;
    }
    if (text === undefined) return;
    const user = (JSON.parse(text) as { passport?: { user?: SessionUser } }).passport?.user;
    // What SessionSerializer.deserializeUser makes of it: a copy of {id, username}.
    if (user) request.user = { id: user.id, username: user.username };
  }

  /** The session id of the request's `sessionid` cookie, if express-session signed it with this secret. */
  private sessionIdOf(request: Request): string | undefined {
    const header = request.headers.cookie;
    if (!header) return undefined;
    const raw = parseCookies(header)[SESSION_COOKIE];
    if (!raw?.startsWith('s:')) return undefined;
    const sid = unsign(raw.slice(2), this.secret);
    return sid === false ? undefined : sid;
  }

  /** The store pool's connections right now, for the metrics. */
  poolUsage(): { used: number; free: number; pending: number; max: number } {
    const { totalCount, idleCount, waitingCount, options } = this.pool;
    return { used: totalCount - idleCount, free: idleCount, pending: waitingCount, max: options.max ?? 10 };
  }

  /** Session reads asked for and the queries that answered them, for the metrics. */
  readStats(): SessionReadStats {
    return this.rows.stats();
  }

  async onApplicationShutdown(): Promise<void> {
    this.store.close();
    await this.pool.end();
  }
}
