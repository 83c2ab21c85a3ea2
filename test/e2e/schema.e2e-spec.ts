import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '@app/persistence';
import { workerDatabaseUrl } from '@app/testing';
import { ENTITIES } from '@app/schema';
import { migrationsList } from '../../migrations';

describe('schema: entities and committed migrations agree', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await MikroORM.init(
      ormOptions({ url: await workerDatabaseUrl(), poolSize: 1, debug: false, migrationsList, entities: ENTITIES }),
    );
  });
  afterAll(() => orm.close());

  it('needs no new migration for the current entities (migration:check)', async () => {
    expect(await orm.getMigrator().checkMigrationNeeded()).toBe(false);
  });

  it('finds the migrated database matching the entities column for column', async () => {
    const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, dropTables: false });
    expect(diff.trim()).toBe('');
  });

  it('has no pending migration on a database built from the template', async () => {
    expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
  });
});
