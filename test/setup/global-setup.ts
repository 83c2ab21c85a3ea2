import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { migrationsList } from '../../migrations';
import { startEmbeddedPostgres } from '../../libs/persistence/src/embedded-postgres';
import { validateConstraints } from '../../libs/persistence/src/migrate';
import { ormOptions } from '../../libs/persistence/src/orm.options';
import { ensurePgBouncer, startPgBouncer } from '../../libs/testing/src/pgbouncer';
import { buildAdminConsole } from './admin-console-build';
import { freePort } from '../../libs/testing/src/processes';

/**
 * Starts PostgreSQL for the run (embedded, unless DATABASE_URL points at a
 * server) and builds a migrated template database; each jest worker clones it
 * (libs/testing workerDatabaseUrl). Every run uses freshly created databases.
 * Also builds the admin console that the app under test serves at /admin.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const server = await startEmbeddedPostgres({
      dataDir: join(tmpdir(), `wallet-ledger-test-${runId}`),
      port: await freePort(),
      database: 'postgres',
      fast: true,
      ephemeral: true,
    });
    (globalThis as { __EMBEDDED_PG__?: unknown }).__EMBEDDED_PG__ = server;
    adminUrl = server.adminUrl;
  }
  const template = `wallet_test_${runId}_template`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${template}"`);
  await admin.end();

  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const orm = await MikroORM.init(ormOptions({ url: url.toString(), poolSize: 1, debug: false, migrationsList }));
  await orm.getMigrator().up();
  // As migrateUnderLock does after the migrations commit: the template is what production runs on.
  await validateConstraints(orm);
  await orm.close();

  if (process.env.TEST_PGBOUNCER === '1') {
    // The PgBouncer pass: the apps under test reach their databases through PgBouncer in transaction mode
    // (libs/testing pooledForTest), while this harness and the tests' own clients connect directly.
    const found = ensurePgBouncer((line) => console.log(line));
    if ('skipped' in found) throw new Error(`TEST_PGBOUNCER=1 but ${found.skipped}`);
    const server = new URL(adminUrl);
    const bouncer = await startPgBouncer({
      serverHost: server.hostname,
      serverPort: Number(server.port || 5432),
      users: { [decodeURIComponent(server.username)]: decodeURIComponent(server.password) },
      // The roles some specs create (database-roles: the service's own role) pass through it too.
      authUser: decodeURIComponent(server.username) || 'postgres',
    });
    (globalThis as { __PGBOUNCER__?: unknown }).__PGBOUNCER__ = bouncer;
    process.env.TEST_PGBOUNCER_PORT = String(bouncer.port);
  }
  process.env.TEST_PG_ADMIN_URL = adminUrl;
  process.env.TEST_PG_TEMPLATE = template;
  process.env.TEST_RUN_ID = runId;
  const consoleDir = join(tmpdir(), `wallet-ledger-test-${runId}-admin-console`);
  buildAdminConsole(consoleDir);
  process.env.TEST_ADMIN_CONSOLE_DIR = consoleDir;
  process.env.ADMIN_CONSOLE_DIR = consoleDir;
  // The service under test reads its configuration like production does.
  process.env.SESSION_SECRET = 'test-session-secret-that-is-long-enough';
}
