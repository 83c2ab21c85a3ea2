import type { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';

/** Arbitrary, fixed: every process of this service migrates under the same lock. */
const MIGRATION_LOCK_KEY = 7_311_002_024;

/**
 * MikroORM's migrator takes no lock of its own: two instances starting at once
 * would both apply the same migration. A session-level advisory lock, held on
 * a dedicated connection for the whole run, serialises them; the second one
 * finds nothing pending.
 */
export async function migrateUnderLock(orm: MikroORM, databaseUrl: string): Promise<string[]> {
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await orm.getMigrator().up();
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end(); // closing the session releases the lock
  }
}
