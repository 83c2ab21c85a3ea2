import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../libs/persistence/src/embedded-postgres';
import { freePort } from '../libs/testing/src/processes';

export { freePort };

export interface BenchDatabase {
  /** The fresh, migrated database. */
  url: string;
  /** A client connected to it. */
  db: Client;
  name: string;
  /** The embedded server started for the run (absent with DATABASE_URL): a standby can be made of it. */
  embedded?: { dataDir: string; port: number; adminUrl: string; password: string };
  /** Ends the client, drops the database (unless `keep`), stops an embedded server. */
  close(options?: { keep?: boolean }): Promise<void>;
}

/**
 * A fresh database for one bench run, migrated by the built CLI (`npm run
 * build` first): on the server at DATABASE_URL, or on an embedded PostgreSQL
 * started for the run and removed after it.
 */
export async function openBenchDatabase(label: string, log: (line: string) => void): Promise<BenchDatabase> {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: () => Promise<void> = async () => undefined;
  let embedded: BenchDatabase['embedded'];
  if (!adminUrl) {
    const dataDir = join(tmpdir(), `wallet-ledger-${label}-${runId}`);
    const port = await freePort();
    const server = await startEmbeddedPostgres({ dataDir, port, database: 'postgres', ephemeral: true });
    adminUrl = server.adminUrl;
    embedded = { dataDir, port, adminUrl, password: decodeURIComponent(new URL(adminUrl).password) };
    stopEmbedded = server.stop;
    log('embedded PostgreSQL started');
  }
  const name = `wallet_${label}_${runId}`;
  const url = withDatabase(adminUrl, name);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const db = new Client({ connectionString: url });
  const close = async (options: { keep?: boolean } = {}) => {
    await db.end().catch(() => undefined);
    if (!options.keep) await admin.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
    await admin.end();
    await stopEmbedded();
  };
  try {
    execFileSync(process.execPath, ['dist/apps/cli/src/main.js', 'migrate'], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: 'ignore',
    });
    await db.connect();
    // The seed's bulk inserts (a million operations) outlast the service's statement bound, which the
    // migrations made the database's default: this maintenance connection has none.
    await db.query('set statement_timeout = 0; set lock_timeout = 0; set idle_in_transaction_session_timeout = 0');
  } catch (error) {
    await close();
    throw error;
  }
  return { url, db, name, embedded, close };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
