import { Client } from 'pg';
import { applyServiceTimeouts } from '@app/persistence';

/** Set by test/setup/global-setup.ts for every jest worker. */
export interface TestDatabaseEnv {
  adminUrl: string;
  templateDatabase: string;
  runId: string;
}

export function testDatabaseEnv(): TestDatabaseEnv {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  const templateDatabase = process.env.TEST_PG_TEMPLATE;
  const runId = process.env.TEST_RUN_ID;
  if (!adminUrl || !templateDatabase || !runId) {
    throw new Error('The test database is not set up: run the tests through jest (test/setup/global-setup.ts).');
  }
  return { adminUrl, templateDatabase, runId };
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const created = new Map<string, Promise<string>>();

/**
 * The database of this jest worker, cloned from the migrated template on first
 * use. Tests in one worker share it, each making its own users and wallets
 * with the builders, so no test depends on another's data or on test order.
 */
export function workerDatabaseUrl(): Promise<string> {
  const env = testDatabaseEnv();
  const name = `${env.templateDatabase.replace(/_template$/, '')}_w${process.env.JEST_WORKER_ID ?? '1'}`;
  let url = created.get(name);
  if (!url) {
    url = cloneTemplate(env, name);
    created.set(name, url);
  }
  return url;
}

async function cloneTemplate(env: TestDatabaseEnv, name: string): Promise<string> {
  const client = new Client({ connectionString: env.adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) await client.query(`create database "${name}" template "${env.templateDatabase}"`);
  } finally {
    await client.end();
  }
  return databaseUrl(env.adminUrl, name);
}

/**
 * An empty database of its own (no migration applied), for a test that
 * migrates it step by step; `drop()` removes it.
 */
export async function scratchDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const env = testDatabaseEnv();
  const name = `wallet_${label}_${Math.random().toString(36).slice(2, 10)}`;
  const onAdmin = async (sql: string) => {
    const admin = new Client({ connectionString: env.adminUrl });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };
  await onAdmin(`create database "${name}"`);
  return {
    url: databaseUrl(env.adminUrl, name),
    drop: () => onAdmin(`drop database if exists "${name}" with (force)`),
  };
}

/**
 * The PgBouncer pass (`TEST_PGBOUNCER=1`, .ci/run): the global setup starts
 * PgBouncer in transaction mode in front of the test server and the apps
 * under test reach their databases through it, while the harness creates
 * databases and the tests' own clients connect directly. The app's URL for
 * `url`, a database of the test server: the same user, password and
 * database on PgBouncer's port. Undefined outside that pass, or for a URL
 * that names another address (a TcpProxy in front of the server).
 */
export function pooledForTest(url: string): string | undefined {
  const port = process.env.TEST_PGBOUNCER_PORT;
  if (!port) return undefined;
  const server = new URL(testDatabaseEnv().adminUrl);
  const target = new URL(url);
  if (target.hostname !== server.hostname || (target.port || '5432') !== (server.port || '5432')) return undefined;
  target.hostname = '127.0.0.1';
  target.port = port;
  return target.toString();
}

/**
 * As migrations do (they are not run for a cloned database): the service's
 * timeouts made the defaults of `url`'s user in its database, which is what
 * gives them to the connections PgBouncer hands out.
 */
export async function applyServiceTimeoutsTo(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await applyServiceTimeouts(
      {
        query: async <Row>(text: string, values?: unknown[]) => ({
          rows: (await client.query(text, values)).rows as Row[],
        }),
      },
      decodeURIComponent(new URL(url).username) || 'postgres',
    );
  } finally {
    await client.end();
  }
}
