import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DATABASE_TIMEOUTS } from './orm.options';
import { applyServiceTimeouts, SERVICE_TIMEOUTS } from './session-settings';
import { oneOff, Statements } from './statements';

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
 * The service's role, when it is not the migrating one: the user of
 * `serviceUrl` (DATABASE_URL) if the user of `migrationUrl`
 * (MIGRATION_DATABASE_URL) differs.
 */
function serviceRoleOf(migrationUrl: string, serviceUrl: string | undefined): string | undefined {
  if (!serviceUrl) return undefined;
  const user = (url: string) => decodeURIComponent(new URL(url).username);
  const role = user(serviceUrl);
  return role && role !== user(migrationUrl) ? role : undefined;
}

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
 *
 * With `serviceUrl` (DATABASE_URL) naming another role than `databaseUrl`
 * (MIGRATION_DATABASE_URL, the schema's owner), that role is then given
 * exactly what the service needs on every table (`grantServiceRole`): on
 * every run, so a table a later migration adds is covered without the
 * migration saying so.
 */
const migrationLogger = new Logger('Migrations');

export async function migrateUnderLock(
  orm: MikroORM,
  databaseUrl: string,
  serviceUrl?: string,
  options: { log?: (line: string) => void } = {},
): Promise<string[]> {
  const serviceRole = serviceRoleOf(databaseUrl, serviceUrl);
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
        // The migrator's progress lines through Nest's logger: JSON lines in the API (pino), like every other.
        logger: (message: string) => migrationLogger.log(message),
        colors: false,
        pool: { min: 0, max: 2 },
        driverOptions: {
          connection: { ...MIGRATION_SETTINGS, connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs },
        },
      }),
    );
    try {
      const applied = await migrating.getMigrator().up();
      await validateConstraints(migrating);
      if (serviceRole) await grantServiceRole(migrating, serviceRole, migrationsTable(orm));
      await setServiceTimeouts(lock, serviceRole, options.log ?? ((line) => migrationLogger.warn(line)));
      return applied.map((migration) => migration.name);
    } finally {
      await migrating.close();
    }
  } finally {
    await lock.end(); // closing the session releases the lock
  }
}

/**
 * SERVICE_TIMEOUTS as the service role's defaults in this database (the
 * migrating role's own when the service uses it too), so that they hold on
 * every server connection however it is handed out (behind a transaction-mode
 * pooler no startup parameter can carry them). The migrations' own
 * connections override them with MIGRATION_SETTINGS (startup parameters:
 * they never go through the pooler). Another role's defaults need superuser
 * or CREATEROLE: without, one line says so and the run goes on (straight to
 * PostgreSQL the service sends them itself; behind the pooler it then
 * refuses to start, naming the statement to run).
 */
async function setServiceTimeouts(lock: Client, serviceRole: string | undefined, log: (line: string) => void) {
  const queryable = {
    query: async <Row>(text: string, values?: unknown[]) => ({ rows: (await lock.query(text, values)).rows as Row[] }),
  };
  const role = serviceRole ?? (await lock.query<{ role: string }>('select current_user as role')).rows[0].role;
  try {
    await applyServiceTimeouts(queryable, role);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    log(
      `could not make the service's timeouts the defaults of role "${role}" in this database (${(error as Error).message}): ` +
        `as a superuser, ALTER ROLE "${role}" IN DATABASE <db> SET ` +
        Object.entries(SERVICE_TIMEOUTS)
          .map(([name, value]) => `${name} = ${value}`)
          .join(', '),
    );
  }
}

/**
 * The migrations' statements, as the service's: `Statements` on `orm`'s own
 * pool (outside Nest: built here, not injected), every one unnamed, values
 * as real parameters. The DDL built from identifiers (a grant, a validation)
 * has no values: identifiers cannot be parameters, so they are quoted into
 * the text (`quote`, or `::regclass::text`).
 */
function statementsOf(orm: MikroORM): Statements {
  return new Statements(orm.em, { prepared: false, debug: orm.config.get('debug') === true });
}

const NOT_VALID_CONSTRAINTS = oneOff(
  'migrate_not_valid_constraints',
  `select c.conrelid::regclass::text as table_name, c.conname as constraint_name
  from pg_constraint c join pg_namespace n on n.oid = c.connamespace
 where not c.convalidated and n.nspname = current_schema()
 order by c.conrelid, c.conname`,
);

/** Every constraint of the public schema left NOT VALID, validated one by one (each in its own transaction). */
export async function validateConstraints(orm: MikroORM): Promise<void> {
  const statements = statementsOf(orm);
  const pending = await statements.read<{ table_name: string; constraint_name: string }>(NOT_VALID_CONSTRAINTS, []);
  for (const { table_name, constraint_name } of pending) {
    await statements.autocommit(
      oneOff('migrate_validate_constraint', `alter table ${table_name} validate constraint ${quote(constraint_name)}`),
      [],
    );
  }
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/**
 * What the service's role may do, table by table, kept exact on every run
 * (what differs is revoked and granted again, in one transaction):
 * - the schema: USAGE only (it creates nothing);
 * - the append-only tables (those whose trigger calls ledger_append_only():
 *   operations, journal_entries, admin_actions): SELECT, INSERT, besides the
 *   triggers that refuse the rest;
 * - the migrations' record: SELECT (the readiness check reads it);
 * - every other table: SELECT, INSERT, UPDATE, DELETE; sequences: USAGE, SELECT.
 * Never TRUNCATE, REFERENCES or TRIGGER, and no ownership: only an owner
 * can alter or drop a table or its triggers. Refused, with the reason:
 * a missing role, a superuser (grants do not bind it), a role that is the
 * owner (or a member of the owner) of the schema or of one of its tables,
 * and a role that may create in the schema (PostgreSQL before 15 lets
 * PUBLIC create in `public`).
 */
async function grantServiceRole(orm: MikroORM, role: string, migrationsTableName: string): Promise<void> {
  const statements = statementsOf(orm);
  const [found] = await statements.read<{ rolsuper: boolean }>(ROLE, [role]);
  if (!found) {
    throw new Error(
      `The service's role "${role}" (DATABASE_URL's user) does not exist: create it (LOGIN, no superuser) before migrating.`,
    );
  }
  if (found.rolsuper) {
    throw new Error(`The service's role "${role}" (DATABASE_URL's user) is a superuser: no grant can restrict it.`);
  }
  const owned = await statements.read<{ name: string }>(OWNED_BY, [role]);
  if (owned.length > 0) {
    throw new Error(
      `The service's role "${role}" (DATABASE_URL's user) owns, or is a member of the owner of, ` +
        `${owned.map((row) => row.name).join(', ')}: it could alter or drop them. Migrate as the owner ` +
        '(MIGRATION_DATABASE_URL) and let the service connect as a role of its own.',
    );
  }

  const relations = await statements.read<Relation>(RELATIONS, [role]);
  const wanted = (relation: Relation): string[] => {
    if (relation.kind === 'S') return ['SELECT', 'USAGE'];
    if (relation.kind === 'v' || relation.kind === 'm' || relation.relname === migrationsTableName) return ['SELECT'];
    if (relation.append_only) return ['INSERT', 'SELECT'];
    return ['DELETE', 'INSERT', 'SELECT', 'UPDATE'];
  };
  const grants: string[] = [];
  for (const relation of relations) {
    const privileges = wanted(relation);
    if (relation.held === privileges.join(',')) continue;
    const object = relation.kind === 'S' ? 'sequence' : 'table';
    grants.push(`revoke all on ${object} ${relation.name} from ${quote(role)}`);
    grants.push(`grant ${privileges.join(', ')} on ${object} ${relation.name} to ${quote(role)}`);
  }
  const ddl = (text: string) => statements.run(oneOff('migrate_grant', text), []);
  await statements.transaction(async () => {
    const [schema] = await statements.run<{ name: string; usage: boolean; may_create: boolean }>(SCHEMA_PRIVILEGES, [
      role,
    ]);
    if (schema.may_create) {
      await ddl(`revoke create on schema ${quote(schema.name)} from ${quote(role)}`);
      const [still] = await statements.run<{ may_create: boolean }>(MAY_CREATE, [role]);
      if (still.may_create) {
        throw new Error(
          `The service's role "${role}" may create objects in schema "${schema.name}" through PUBLIC ` +
            `(PostgreSQL before 15): revoke create on schema ${quote(schema.name)} from public.`,
        );
      }
    }
    if (!schema.usage) await ddl(`grant usage on schema ${quote(schema.name)} to ${quote(role)}`);
    for (const grant of grants) await ddl(grant);
  });
}

const ROLE = oneOff('migrate_role', 'select rolsuper from pg_roles where rolname = $1::name');

/** The schema, and its relations, whose owner the role is (or is a member of). */
const OWNED_BY = oneOff(
  'migrate_owned_by',
  `select n.nspname as name from pg_namespace n
 where n.nspname = current_schema() and pg_has_role($1::name, n.nspowner, 'MEMBER')
union all
select c.oid::regclass::text from pg_class c
 where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S')
   and pg_has_role($1::name, c.relowner, 'MEMBER')`,
);

/** The schema's relations (Relation), with the privileges the role holds on each. */
const RELATIONS = oneOff(
  'migrate_relations',
  `select c.oid::regclass::text as name, c.relname as relname, c.relkind as kind,
       exists (select 1 from pg_trigger t join pg_proc p on p.oid = t.tgfoid
                where t.tgrelid = c.oid and p.proname = 'ledger_append_only') as append_only,
       coalesce((select string_agg(a.privilege_type, ',' order by a.privilege_type)
                   from aclexplode(c.relacl) a join pg_roles r on r.oid = a.grantee
                  where r.rolname = $1::name), '') as held
  from pg_class c
 where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S')
   and not c.relispartition
 order by c.relname`,
);

const SCHEMA_PRIVILEGES = oneOff(
  'migrate_schema_privileges',
  `select current_schema() as name, has_schema_privilege($1::name, current_schema(), 'USAGE') as usage,
       has_schema_privilege($1::name, current_schema(), 'CREATE') as may_create`,
);

const MAY_CREATE = oneOff(
  'migrate_may_create',
  `select has_schema_privilege($1::name, current_schema(), 'CREATE') as may_create`,
);

interface Relation {
  /** Schema-qualified where needed, quoted where needed. */
  name: string;
  relname: string;
  /** pg_class.relkind: r table, p partitioned table, v view, m materialized view, S sequence. */
  kind: string;
  append_only: boolean;
  /** The privileges granted to the role itself, sorted, comma-separated. */
  held: string;
}

/** The table MikroORM records applied migrations in (`mikro_orm_migrations`). */
function migrationsTable(orm: MikroORM): string {
  return orm.config.get('migrations').tableName ?? 'mikro_orm_migrations';
}
