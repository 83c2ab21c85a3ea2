import { useTestContext } from '@app/testing';

describe('schema: entities and committed migrations agree', () => {
  // The ORM the API runs (its entities and committed migrations), on a database cloned from the template.
  const ctx = useTestContext();

  it('needs no new migration for the current entities (migration:check)', async () => {
    expect(await ctx.orm.getMigrator().checkMigrationNeeded()).toBe(false);
  });

  it('finds the migrated database matching the entities column for column', async () => {
    const diff = await ctx.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, dropTables: false });
    expect(diff.trim()).toBe('');
  });

  it('has no pending migration on a database built from the template', async () => {
    expect(await ctx.orm.getMigrator().getPendingMigrations()).toEqual([]);
  });
});
