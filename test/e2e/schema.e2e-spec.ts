import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestContext } from '@app/testing';

/**
 * Tables no entity describes, because only the money batch's statements
 * write them and only statements read them (README, "One rule for SQL"):
 * the ORM's schema comparison cannot see them, so their shape as the
 * migrations build it is pinned here instead (UPDATE_SCHEMA=1 rewrites it).
 */
const STATEMENT_TABLES = ['operations'];
const PINNED = join(__dirname, '..', 'schema', 'statement-tables.txt');

/** A table's columns, constraints, indexes and triggers as the catalog describes them. */
const DESCRIBE = `
select 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || case when a.attnotnull then ' not null' else ' null' end
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') as line
  from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
 where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
union all
select 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where conrelid = $1::regclass and contype <> 'n'
union all
select 'index ' || pg_get_indexdef(indexrelid) from pg_index where indrelid = $1::regclass
union all
select 'trigger ' || pg_get_triggerdef(oid) from pg_trigger where tgrelid = $1::regclass and not tgisinternal
order by 1`;

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

  it('finds the tables written only by statements as pinned (test/schema/statement-tables.txt)', async () => {
    const db = await ctx.connectDb();
    try {
      const described: string[] = [];
      for (const table of STATEMENT_TABLES) {
        const { rows } = await db.query<{ line: string }>(DESCRIBE, [table]);
        described.push(`-- ${table}`, ...rows.map((row) => row.line), '');
      }
      const text = described.join('\n');
      if (process.env.UPDATE_SCHEMA === '1') writeFileSync(PINNED, text);
      expect(text).toBe(readFileSync(PINNED, 'utf8'));
    } finally {
      await db.end();
    }
  });

  it('maps no entity on a table written only by statements', () => {
    const tables = Object.values(ctx.orm.getMetadata().getAll()).map((meta) => meta.tableName);
    expect(tables.filter((table) => STATEMENT_TABLES.includes(table))).toEqual([]);
  });

  it('has no pending migration on a database built from the template', async () => {
    expect(await ctx.orm.getMigrator().getPendingMigrations()).toEqual([]);
  });
});
