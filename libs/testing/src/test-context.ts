import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestContext } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AdminService } from '@app/admin';
import type { LedgerAuditReport } from '@app/ledger';
import type { Client } from 'pg';
import {
  balanceOf,
  deposit,
  depositsAtOneMoment,
  fundedUser,
  fundsOf,
  operationsOf,
  placeHold,
  registerUser,
  snapshot,
  transfer,
  type HoldJson,
  type OperationJson,
  type RegisteredUser,
} from './builders';
import { connectDb, expectSoundLedger, type LedgerSnapshot, readLedger, runAudit } from './ledger-invariants';
import { planOf, type PlanNode, queriesDuring } from './query-plans';
import { createTestApp, type TestApp } from './test-app';
import { workerDatabaseUrl } from './test-database';

export interface TestContextOptions {
  /** Environment read by the app on top of process.env, e.g. `{ DB_POOL_SIZE: '4' }`. */
  env?: Record<string, string>;
  /**
   * Listen on an ephemeral port once, so that parallel supertest requests
   * share one server instead of starting and stopping it around each request.
   */
  listen?: boolean;
  /** Boot on this database instead of the worker's (e.g. one a test migrated itself). */
  databaseUrl?: string;
  /**
   * Write the app's log lines (JSON, from LOG_LEVEL info unless `env` says
   * otherwise) to a file of this context, read with logText() / logLines().
   */
  captureLogs?: boolean;
  /**
   * The service reaches its database through this URL instead (a TcpProxy in
   * front of it, to take the database away); the test's own clients (`db`,
   * `connectDb()`) still connect directly.
   */
  serviceDatabaseUrl?: (databaseUrl: string) => string;
}

/** One JSON log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { level: string; msg?: string; requestId?: string };

/**
 * One e2e test context, in the shape of immich's `server/test/medium.factory.ts`:
 * the real AppModule (booted through main.ts's configureApp) on this jest
 * worker's own database, a pg client on that database, data builders bound to
 * the server, and the ledger-wide invariants.
 *
 *   const ctx = useTestContext();            // beforeAll: boot, afterAll: close
 *   const alice = await ctx.fundedUser('100.00');
 *   await ctx.expectLedgerInvariants();
 *
 * `TestContext.create()` does the same for a context the test closes itself
 * (a second API instance, a restart).
 */
export class TestContext implements TestApp {
  private booted?: { app: TestApp; db: Client; directUrl: string };
  private readonly clients = new Set<Client>();
  private readonly logFile?: string;

  constructor(private readonly options: TestContextOptions = {}) {
    if (options.captureLogs) this.logFile = join(tmpdir(), `wallet-ledger-${randomUUID()}.log`);
  }

  /** A started context; the caller closes it (`await ctx.close()`). */
  static async create(options: TestContextOptions = {}): Promise<TestContext> {
    const ctx = new TestContext(options);
    await ctx.start();
    return ctx;
  }

  async start(): Promise<void> {
    if (this.booted) return;
    const env = this.logFile
      ? { LOG_LEVEL: 'info', ...this.options.env, LOG_FORMAT: 'json', LOG_DESTINATION: this.logFile }
      : this.options.env;
    const directUrl = this.options.databaseUrl ?? (await workerDatabaseUrl());
    const app = await createTestApp(env, this.options.serviceDatabaseUrl?.(directUrl) ?? directUrl);
    try {
      if (this.options.listen) {
        await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
      }
      this.booted = { app, db: await connectDb(directUrl), directUrl };
    } catch (error) {
      await app.close();
      throw error;
    }
  }

  /** Closes every client this context opened and the app; safe to call twice. */
  async close(): Promise<void> {
    const booted = this.booted;
    this.booted = undefined;
    const clients = [...this.clients];
    this.clients.clear();
    await Promise.all(clients.map((client) => client.end()));
    if (booted) {
      await booted.db.end();
      await booted.app.close();
    }
    if (this.logFile) rmSync(this.logFile, { force: true });
  }

  /** Everything the app logged so far (captureLogs: true), as written. */
  logText(): string {
    if (!this.logFile)
      throw new Error('This test context does not capture logs: create it with { captureLogs: true }.');
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
  }

  /** The captured lines, parsed (each line must be one JSON object). */
  logLines(): LogLine[] {
    return this.logText()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as LogLine);
  }

  private get started(): { app: TestApp; db: Client; directUrl: string } {
    if (!this.booted) throw new Error('The test context is not started: use it inside a test or a hook.');
    return this.booted;
  }

  get app(): NestExpressApplication {
    return this.started.app.app;
  }

  get server(): Server {
    return this.started.app.server;
  }

  get orm(): MikroORM {
    return this.started.app.orm;
  }

  /** `http://127.0.0.1:<port>` of the metrics listener (GET /metrics, GET /readyz with details). */
  get metricsUrl(): string {
    const url = this.started.app.metricsUrl;
    if (!url) throw new Error('This test context serves no metrics (METRICS_ENABLED=false).');
    return url;
  }

  /** The database of this context, reached directly (even when the service goes through a proxy). */
  get databaseUrl(): string {
    return this.started.directUrl;
  }

  /** A pg client on this worker's database, outside the service (no ORM, no request context). */
  get db(): Client {
    return this.started.db;
  }

  /** Another pg client on the database (to hold a lock, say); closed by close() if the test does not end it. */
  async connectDb(): Promise<Client> {
    const client = await connectDb(this.databaseUrl);
    this.clients.add(client);
    client.once('end', () => this.clients.delete(client));
    return client;
  }

  // Builders: data per test, made through HTTP like a client would.

  registerUser(options: { username?: string; password?: string } = {}): Promise<RegisteredUser> {
    return registerUser(this.server, options);
  }

  fundedUser(amount: string): Promise<RegisteredUser> {
    return fundedUser(this.server, amount);
  }

  /**
   * Makes a registered user an admin the way the command line does (`make
   * admin`: AdminService.makeAdmin, proving the account with its password).
   */
  promote(user: RegisteredUser): ReturnType<AdminService['makeAdmin']> {
    return RequestContext.create(this.orm.em, () =>
      this.app.get(AdminService).makeAdmin(user.username, user.password, { promote: false }),
    );
  }

  /** A registered user with the admin role. */
  async adminUser(): Promise<RegisteredUser> {
    const user = await this.registerUser();
    await this.promote(user);
    return user;
  }

  /** A registered user whose wallet row is gone (the original's "user without a wallet"). */
  async userWithoutWallet(): Promise<RegisteredUser> {
    const user = await this.registerUser();
    await this.db.query('delete from wallets where id = $1', [user.walletId]);
    return user;
  }

  deposit(user: RegisteredUser, amount: string): Promise<OperationJson> {
    return deposit(user, amount);
  }

  transfer(from: RegisteredUser, toWalletId: string, amount: string): Promise<OperationJson> {
    return transfer(from, toWalletId, amount);
  }

  placeHold(user: RegisteredUser, destination: string, amount: string, expiresInSeconds?: number): Promise<HoldJson> {
    return placeHold(user, destination, amount, expiresInSeconds);
  }

  /** Deposits straight in SQL, all at one moment (see builders.ts depositsAtOneMoment). */
  depositsAtOneMoment(walletId: string, amounts: bigint[]): Promise<Date> {
    return depositsAtOneMoment(this.db, walletId, amounts);
  }

  balanceOf(user: RegisteredUser): Promise<string> {
    return balanceOf(user);
  }

  fundsOf(user: RegisteredUser): Promise<{ balance: string; available: string }> {
    return fundsOf(user);
  }

  operationsOf(user: RegisteredUser, query: Record<string, string | number> = {}): Promise<OperationJson[]> {
    return operationsOf(user, query);
  }

  /** Balance and operations of each user, to prove that a refused request moved nothing. */
  snapshot(...users: RegisteredUser[]): Promise<Array<{ balance: string; operations: OperationJson[] }>> {
    return snapshot(...users);
  }

  // The ledger and the database, seen from outside the service.

  /**
   * Asserts every ledger-wide invariant, through the service's audit query and
   * through the raw rows (ledger-invariants.ts). Call it when no request of
   * this test is in flight.
   */
  expectLedgerInvariants(): Promise<LedgerSnapshot> {
    return expectSoundLedger(this, this.db);
  }

  readLedger(): Promise<LedgerSnapshot> {
    return readLedger(this.db);
  }

  runAudit(): Promise<LedgerAuditReport> {
    return runAudit(this);
  }

  /** The SQL the service sends while `action` runs. */
  queriesDuring(action: () => Promise<unknown>): Promise<string[]> {
    return queriesDuring(this, action);
  }

  /** The plan of `sql` on this database, as a flat list of nodes. */
  planOf(sql: string, options: { analyze?: boolean; values?: readonly unknown[] } = {}): Promise<PlanNode[]> {
    return planOf(this.db, sql, options);
  }

  /** Waits until PostgreSQL's clock (the service's reference for time) is past `moment`. */
  async databaseClockPast(moment: string | Date): Promise<void> {
    const at = typeof moment === 'string' ? moment : moment.toISOString();
    for (;;) {
      const { rows } = await this.db.query<{ past: boolean }>(`select clock_timestamp() > $1::timestamptz as past`, [
        at,
      ]);
      if (rows[0].past) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

/**
 * A context for the enclosing describe block: started in beforeAll, closed
 * in afterAll. Call it at the top of the block, before the block's own hooks.
 */
export function useTestContext(options: TestContextOptions = {}): TestContext {
  const ctx = new TestContext(options);
  beforeAll(() => ctx.start());
  afterAll(() => ctx.close());
  return ctx;
}
