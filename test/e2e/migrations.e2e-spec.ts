import { Migration } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { migrateUnderLock, ormOptions } from '@app/persistence';
import { scratchDatabase } from '@app/testing';
import { migrationsList } from '../../migrations';

/** What a migration's session runs with, and a constraint added NOT VALID the way the README's rule says. */
class ProbeMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "migration_probe" as select current_setting('lock_timeout') as lock_timeout,
         current_setting('statement_timeout') as statement_timeout, current_setting('application_name') as application_name`,
    );
    this.addSql(`alter table "wallets" add constraint "wallets_probe_check" check (kind <> 'NONE') not valid`);
  }
}

describe('migrations', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let url: string;
  let db: Client;

  beforeAll(async () => {
    scratch = await scratchDatabase('migrate');
    url = scratch.url;
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await scratch?.drop();
  });

  it('run on a connection of their own, without the request pool timeouts, and validate NOT VALID constraints after the commit', async () => {
    const orm = await MikroORM.init(
      ormOptions({
        url,
        poolSize: 1,
        debug: false,
        migrationsList: [...migrationsList, { name: 'Migration99990101000000_probe', class: ProbeMigration }],
      }),
    );
    try {
      const applied = await migrateUnderLock(orm, url);
      expect(applied).toEqual([...migrationsList.map((migration) => migration.name), 'Migration99990101000000_probe']);
      const probe = await db.query('select * from migration_probe');
      expect(probe.rows).toEqual([
        { lock_timeout: '1min', statement_timeout: '30min', application_name: 'wallet-ledger-migrate' },
      ]);
      const constraint = await db.query(`select convalidated from pg_constraint where conname = 'wallets_probe_check'`);
      expect(constraint.rows).toEqual([{ convalidated: true }]);
      // The request pool keeps its own bounds.
      const [settings] = await orm.em
        .fork()
        .getConnection()
        .execute<{ statement_timeout: string }[]>(`select current_setting('statement_timeout') as statement_timeout`);
      expect(settings.statement_timeout).toBe('15s');
      // A second run finds nothing pending.
      expect(await migrateUnderLock(orm, url)).toEqual([]);
    } finally {
      await orm.close();
    }
  });
});
