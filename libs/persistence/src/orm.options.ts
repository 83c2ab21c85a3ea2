import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { LoggerNamespace, MigrationObject } from '@mikro-orm/core';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { type Pooler, serviceStartupParameters } from './session-settings';

export interface OrmParams {
  url: string;
  poolSize: number;
  debug: boolean;
  /** Committed migrations, listed explicitly (migrations/index.ts): no file globbing at run time. */
  migrationsList: MigrationObject[];
  /** Entities, for processes that do not load them through Nest's forFeature. */
  entities?: Function[];
  /** Hot-path statements prepared once per connection (default); off for a transaction-mode pooler. */
  preparedStatements?: boolean;
  /** DB_POOLER: behind PgBouncer in transaction mode no startup parameters are sent (see SERVICE_TIMEOUTS). */
  pooler?: Pooler;
}

/**
 * How long the service waits on its database before it answers 503 (see
 * isDatabaseUnavailable): a new connection (a server that is down or not
 * answering), a free connection from the pool (every connection busy behind a
 * stalled server), and one query's answer (a client-side bound past the
 * server's statement_timeout, for a server that stopped answering at all).
 */
export const DATABASE_TIMEOUTS = { connectMs: 3_000, acquireMs: 5_000, queryMs: 20_000 } as const;

/** Where `migration:create` writes and where the schema snapshot lives. */
export const MIGRATIONS_DIR = join(process.cwd(), 'migrations');

const SAFE_DEBUG_NAMESPACES: LoggerNamespace[] = ['query', 'info'];
const sqlLogger = new Logger('MikroORM');

export function ormOptions(params: OrmParams) {
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: params.url,
    entities: params.entities ?? [],
    forceUtcTimezone: true,
    // Behind a pooler, no server connection is opened before the migrations (direct) have made the timeouts the
    // role's defaults: PgBouncer keeps a server connection, with the settings it started with, for its lifetime.
    connect: (params.pooler ?? 'none') === 'none',
    // Never create the schema at start-up: only committed migrations change it.
    schemaGenerator: { disableForeignKeys: false },
    pool: { min: 0, max: params.poolSize, acquireTimeoutMillis: DATABASE_TIMEOUTS.acquireMs },
    driverOptions: {
      connection: {
        // Nothing waits forever: a lock wait or a runaway statement fails and
        // the use case is retried (lock) or answered with an error. Startup
        // parameters straight to PostgreSQL; behind a transaction-mode pooler,
        // which refuses them, the role's defaults in the database (applied by
        // the migrations, checked at start: checkServiceSession).
        ...serviceStartupParameters(params.pooler ?? 'none'),
        application_name: 'wallet-ledger',
        // Never a hang when the server is away or stalled: see DATABASE_TIMEOUTS.
        connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs,
        query_timeout: DATABASE_TIMEOUTS.queryMs,
      },
    },
    // DB_DEBUG logs each statement with placeholders ($1, $2), never its
    // parameter values (password hashes, session data, amounts): MikroORM
    // inlines them only under the 'query-params' namespace, left out here.
    debug: params.debug ? SAFE_DEBUG_NAMESPACES : false,
    // Through Nest's logger (pino in the API): one JSON line per statement,
    // carrying the request id of the request that ran it.
    logger: (message: string) => sqlLogger.log(message),
    colors: false,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      migrationsList: params.migrationsList,
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      // No snapshot file: running migrations would rewrite it from the live
      // database (session table included) in the work tree. New migrations and
      // migration:check diff the entities against a migrated database instead,
      // and never drop a table that has no entity (the session table).
      snapshot: false,
      dropTables: false,
      emit: 'ts',
    },
  });
}
