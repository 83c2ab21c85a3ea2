import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '@app/config';
import { migrateUnderLock, ormOptions, resolveDatabase } from '@app/persistence';
import { migrationsList } from '../../../migrations';
import { ENTITIES } from '@app/schema';

const USAGE = `usage: cli <command>
  migrate                 apply pending migrations (under an advisory lock)
  migration:create NAME   write a migration for the difference between entities and schema
  migration:check         fail when the entities differ from what the migrations build`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || !['migrate', 'migration:create', 'migration:check'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const database = await resolveDatabase(config.database, (line) => console.log(line));
  const orm = await MikroORM.init(
    ormOptions({ url: database.url, poolSize: 2, debug: config.database.debug, migrationsList, entities: ENTITIES }),
  );
  try {
    switch (command) {
      case 'migrate': {
        const applied = await migrateUnderLock(orm, database.url);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
        return 0;
      }
      case 'migration:create': {
        const name = args[0];
        if (!name || !/^[a-z0-9_]+$/.test(name)) {
          console.error('migration:create needs a NAME of lower-case letters, digits and underscores');
          return 2;
        }
        await migrateUnderLock(orm, database.url);
        const result = await orm.getMigrator().createMigration(undefined, false, false, name);
        if (!result.fileName) {
          console.log('no changes: entities and schema agree');
          return 0;
        }
        console.log(`wrote migrations/${result.fileName}; add it to migrations/index.ts`);
        return 0;
      }
      case 'migration:check': {
        await migrateUnderLock(orm, database.url);
        const needed = await orm.getMigrator().checkMigrationNeeded();
        if (needed) {
          const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
          console.error(`entities and migrations disagree; a migration is needed:\n${diff}`);
          return 1;
        }
        console.log('entities and migrations agree');
        return 0;
      }
    }
    return 2;
  } finally {
    await orm.close();
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
