import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { DATABASE_TIMEOUTS } from './orm.options';

/** Arbitrary, fixed: every process of this service migrates under the same lock. */
const MIGRATION_LOCK_KEY = 7_311_002_024;

/**
 * The migrations' own session settings, not the request pool's (5 s lock
 * wait, 15 s statement): a backfill or an index build on a large table may
 * take minutes, and a cancelled migration would leave every instance
 * restarting into the same failure. Generous, still bounded. A DDL statement
 * that waits for a lock makes every later query of that table wait behind
 * it, so the lock wait stays much shorter than the statement bound.
 */
export const MIGRATION_SETTINGS = {
  lock_timeout: 60_000,
  statement_timeout: 30 * 60_000,
  idle_in_transaction_session_timeout: 10 * 60_000,
  application_name: 'wallet-ledger-migrate',
} as const;

/**
 * Applies the pending migrations of `orm`'s configuration on a connection of
 * their own, with MIGRATION_SETTINGS, then validates the constraints they
 * added NOT VALID.
 *
 * MikroORM's migrator takes no lock of its own: two instances starting at once
 * would both apply the same migration. A session-level advisory lock, held on
 * a dedicated connection for the whole run, serialises them; the second one
 * finds nothing pending.
 *
 * Migrations run in one transaction with the record of what was applied (all
 * or nothing), so a constraint added there holds its lock until that commit.
 * The rule (README, "Migrations"): a migration adds a constraint `NOT VALID`
 * (a brief lock; new rows are checked at once), and the validation scan of
 * the existing rows runs here, after the commit, one constraint per
 * statement: `VALIDATE CONSTRAINT` takes a SHARE UPDATE EXCLUSIVE lock, so
 * reads and writes go on meanwhile. A run stopped before it validates leaves
 * the constraint NOT VALID, and the next run validates it.
 */
export async function migrateUnderLock(orm: MikroORM, databaseUrl: string): Promise<string[]> {
  const lock = new Client({
    connectionString: databaseUrl,
    application_name: MIGRATION_SETTINGS.application_name,
    connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs,
  });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const migrating = await MikroORM.init(
      defineConfig({
        driver: PostgreSqlDriver,
        clientUrl: databaseUrl,
        entities: [],
        discovery: { warnWhenNoEntities: false },
        forceUtcTimezone: true,
        extensions: [Migrator],
        migrations: orm.config.get('migrations'),
        debug: orm.config.get('debug'),
        pool: { min: 0, max: 2 },
        driverOptions: {
          connection: { ...MIGRATION_SETTINGS, connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs },
        },
      }),
    );
    try {
      const applied = await migrating.getMigrator().up();
      await validateConstraints(migrating);
      return applied.map((migration) => migration.name);
    } finally {
      await migrating.close();
    }
  } finally {
    await lock.end(); // closing the session releases the lock
  }
}

/** Every constraint of the public schema left NOT VALID, validated one by one (each in its own transaction). */
async function validateConstraints(orm: MikroORM): Promise<void> {
  const connection = orm.em.getConnection();
  const pending = await connection.execute<{ table_name: string; constraint_name: string }[]>(
    `select c.conrelid::regclass::text as table_name, c.conname as constraint_name
       from pg_constraint c join pg_namespace n on n.oid = c.connamespace
      where not c.convalidated and n.nspname = current_schema()
      order by c.conrelid, c.conname`,
  );
  for (const { table_name, constraint_name } of pending) {
    await connection.execute(`alter table ${table_name} validate constraint ${quote(constraint_name)}`);
  }
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
