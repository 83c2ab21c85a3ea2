import { RequestContext } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { NestFactory } from '@nestjs/core';
import { AdminService } from '@app/admin';
import { CommandRefusedError } from '@app/auth';
import { DomainError } from '@app/errors';
import { type AppConfig, ConfigError, loadConfig, migrationUrlProblem } from '@app/config';
import {
  DatabaseUnreachableError,
  describeDatabase,
  EmbeddedServerUnreachableError,
  migrateUnderLock,
  ormOptions,
  resolveDatabase,
  waitForDatabase,
} from '@app/persistence';
import { migrationsList } from '../../../migrations';
import { ENTITIES } from '@app/schema';
import { CliAdminModule } from './admin.module';

const USAGE = `usage: cli <command>
  migrate                 apply pending migrations (under an advisory lock)
  migration:create NAME   write a migration for the difference between entities and schema
  migration:check         fail when the entities differ from what the migrations build
  admin                   make ADMIN_USERNAME an admin: create it with ADMIN_PASSWORD, or promote the existing
                          user when ADMIN_PASSWORD is its password or ADMIN_PROMOTE=1
  admin:demote USERNAME   make an admin a user again and end all their sessions
  sessions:end USERNAME   end every session of a user (each of their cookies answers 401)`;

const COMMANDS = ['migrate', 'migration:create', 'migration:check', 'admin', 'admin:demote', 'sessions:end'];

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || !COMMANDS.includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  // Every command below migrates first (under the advisory lock): never through a transaction-mode pooler.
  const refused = migrationUrlProblem(config.database);
  if (refused) {
    console.error(refused);
    return 1;
  }
  if (command === 'admin') return makeAdmin(config);
  if (command === 'admin:demote' || command === 'sessions:end') return userCommand(config, command, args[0]);
  const database = await resolveDatabase(config.database, (line) => console.log(line));
  // A one-shot migrate job may start before its database listens (docker-compose): retry for a bounded time.
  // These commands change the schema: as its owner (MIGRATION_DATABASE_URL, by default DATABASE_URL).
  const url = database.migrationUrl;
  if (!database.embedded) await waitForDatabase(url, { log: (line) => console.log(line) });
  const orm = await MikroORM.init(
    ormOptions({ url, poolSize: 2, debug: config.database.debug, migrationsList, entities: ENTITIES }),
  );
  try {
    switch (command) {
      case 'migrate': {
        const applied = await migrateUnderLock(orm, url, database.url);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
        return 0;
      }
      case 'migration:create': {
        const name = args[0];
        if (!name || !/^[a-z0-9_]+$/.test(name)) {
          console.error('migration:create needs a NAME of lower-case letters, digits and underscores');
          return 2;
        }
        await migrateUnderLock(orm, url, database.url);
        const result = await orm.getMigrator().createMigration(undefined, false, false, name);
        if (!result.fileName) {
          console.log('no changes: entities and schema agree');
          return 0;
        }
        console.log(`wrote migrations/${result.fileName}; add it to migrations/index.ts`);
        return 0;
      }
      case 'migration:check': {
        await migrateUnderLock(orm, url, database.url);
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

/**
 * `make admin`: creates ADMIN_USERNAME as an admin (with its wallet), or
 * promotes the existing user when the operator proves it is theirs
 * (ADMIN_PASSWORD is its password) or says so (ADMIN_PROMOTE=1), through
 * AdminService, so the action log says so. Anything else is refused in one
 * line: a visitor may have registered the name first.
 */
async function makeAdmin(config: AppConfig): Promise<number> {
  const username = process.env.ADMIN_USERNAME ?? '';
  const password = process.env.ADMIN_PASSWORD ?? '';
  const promote = ['1', 'true', 'yes'].includes((process.env.ADMIN_PROMOTE ?? '').toLowerCase());
  if (!username || username.length > 150) {
    console.error('ADMIN_USERNAME must be set (1 to 150 characters): ADMIN_USERNAME=... ADMIN_PASSWORD=... make admin');
    return 2;
  }
  if (!password && !promote) {
    console.error('ADMIN_PASSWORD must be set (the new admin\'s password, or the existing user\'s to promote it)');
    return 2;
  }
  return withAdminService(config, async (admin) => {
    const { user, outcome } = await admin.makeAdmin(username, password, { promote });
    const said = {
      created: `created admin ${user.username} (id ${user.id}) with a wallet`,
      promoted: `promoted existing user ${user.username} (id ${user.id}) to admin; its password is unchanged`,
      unchanged: `${user.username} (id ${user.id}) is already an admin; nothing changed`,
    };
    console.log(said[outcome]);
  });
}

/** `make demote-admin user=...` and `make end-sessions user=...`. */
async function userCommand(config: AppConfig, command: 'admin:demote' | 'sessions:end', username?: string): Promise<number> {
  if (!username) {
    console.error(`usage: cli ${command} USERNAME (make ${command === 'admin:demote' ? 'demote-admin' : 'end-sessions'} user=...)`);
    return 2;
  }
  return withAdminService(config, async (admin) => {
    if (command === 'sessions:end') {
      const { user, sessionsEnded } = await admin.endSessions(username);
      console.log(`ended ${sessionsEnded} session(s) of ${user.username} (id ${user.id})`);
      return;
    }
    const { user, outcome, sessionsEnded } = await admin.demote(username);
    console.log(
      outcome === 'demoted'
        ? `demoted ${user.username} (id ${user.id}) to user; ended ${sessionsEnded} session(s)`
        : `${user.username} (id ${user.id}) is not an admin; nothing changed`,
    );
  });
}

/**
 * Runs an operator's command through AdminService, against DATABASE_URL when
 * set, else the embedded database of `make run`: the one already running, or
 * one started (and stopped) for the command. Applies pending migrations
 * first, under the same lock as the API. A refusal is one line and exit 1.
 */
async function withAdminService(config: AppConfig, command: (admin: AdminService) => Promise<void>): Promise<number> {
  // How the database was found, said after the command's own line: the operator sees where it wrote.
  let origin = 'DATABASE_URL';
  const database = await resolveDatabase(config.database, (line) => (origin = line), { reuseRunning: true });
  const app = await NestFactory.createApplicationContext(CliAdminModule.forRoot(config, database.url), {
    logger: ['error', 'warn'],
  });
  try {
    const orm = app.get<MikroORM>(MikroORM);
    await migrateUnderLock(orm, database.migrationUrl, database.url);
    await RequestContext.create(orm.em, () => command(app.get(AdminService)));
    console.log(`database: ${describeDatabase(database.url)} (${origin})`);
    return 0;
  } catch (error) {
    if (error instanceof CommandRefusedError || error instanceof DomainError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await app.close();
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Configuration and reachability errors are one line for the operator; anything else keeps its stack.
    const expected =
      error instanceof ConfigError ||
      error instanceof DatabaseUnreachableError ||
      error instanceof EmbeddedServerUnreachableError;
    console.error(error instanceof Error ? (expected ? error.message : error.stack) : error);
    process.exit(1);
  },
);
