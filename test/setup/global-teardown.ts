import { rmSync } from 'node:fs';
import { Client } from 'pg';

/** Drops this run's databases (on a shared server), stops the embedded server, removes the built console. */
export default async function globalTeardown(): Promise<void> {
  const consoleDir = process.env.TEST_ADMIN_CONSOLE_DIR;
  if (consoleDir) rmSync(consoleDir, { recursive: true, force: true });
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  const runId = process.env.TEST_RUN_ID;
  await (globalThis as { __PGBOUNCER__?: { stop(): Promise<void> } }).__PGBOUNCER__?.stop();
  const embedded = (globalThis as { __EMBEDDED_PG__?: { stop(): Promise<void> } }).__EMBEDDED_PG__;
  if (embedded) {
    await embedded.stop();
    return;
  }
  if (!adminUrl || !runId) return;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like $1 order by datname desc`,
      [`wallet_test_${runId}_%`],
    );
    for (const { datname } of rows) {
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [datname]);
      await admin.query(`drop database if exists "${datname}"`);
    }
  } finally {
    await admin.end();
  }
}
