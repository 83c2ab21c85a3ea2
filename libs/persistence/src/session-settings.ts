import { Client } from 'pg';

/**
 * The service's bounds on its own statements, in every session of its role:
 * a lock wait or a runaway statement fails (the use case is retried or
 * answered with an error), a transaction left open is ended by the server.
 * `show` spells them 5s, 15s, 1min.
 */
export const SERVICE_TIMEOUTS = {
  lock_timeout: 5_000,
  statement_timeout: 15_000,
  idle_in_transaction_session_timeout: 60_000,
} as const;

export type ServiceTimeout = keyof typeof SERVICE_TIMEOUTS;
const TIMEOUT_NAMES = Object.keys(SERVICE_TIMEOUTS) as ServiceTimeout[];

/** `none`, or PgBouncer in transaction mode (the config's DB_POOLER). */
export type Pooler = 'none' | 'pgbouncer-transaction';

/**
 * What node-postgres sends when it opens one of the service's connections:
 * the timeouts as startup parameters when nothing sits in between.
 * PgBouncer refuses unknown startup parameters (08P01); behind it the
 * connections send none, and the timeouts come from the role's defaults in
 * the database (`applyServiceTimeouts`, run by the migrations).
 */
export function serviceStartupParameters(pooler: Pooler): Partial<Record<ServiceTimeout, number>> {
  return pooler === 'none' ? { ...SERVICE_TIMEOUTS } : {};
}

function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

interface Queryable {
  query<Row>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
}

/**
 * Makes SERVICE_TIMEOUTS `role`'s defaults in the current database
 * (`ALTER ROLE ... IN DATABASE ... SET`), so that every server connection
 * the role opens there starts with them, whoever hands it out: a
 * transaction-mode pooler cannot pass them as startup parameters, and a `SET`
 * on a pooled connection would outlive the transaction. Only what differs
 * is changed. Needs superuser or CREATEROLE for another role; a role may set
 * its own. Returns the settings changed.
 */
export async function applyServiceTimeouts(client: Queryable, role: string): Promise<string[]> {
  const { rows } = await client.query<{ setting: string }>(
    `select unnest(s.setconfig) as setting
       from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
      where r.rolname = $1 and s.setdatabase = (select oid from pg_database where datname = current_database())`,
    [role],
  );
  const held = new Set(rows.map((row) => row.setting));
  const changed: string[] = [];
  const [{ db }] = (await client.query<{ db: string }>('select current_database() as db')).rows;
  for (const name of TIMEOUT_NAMES) {
    const wanted = `${name}=${SERVICE_TIMEOUTS[name]}`;
    if (held.has(wanted)) continue;
    await client.query(
      `alter role ${quoteIdent(role)} in database ${quoteIdent(db)} set ${name} = ${SERVICE_TIMEOUTS[name]}`,
    );
    changed.push(wanted);
  }
  return changed;
}

/** `show`'s spelling of a value in ms: 5s, 15s, 1min, 0. */
function shown(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** The three timeouts as `show` spells them, as they must read inside any of the service's transactions. */
export const SHOWN_SERVICE_TIMEOUTS: Record<ServiceTimeout, string> = Object.fromEntries(
  TIMEOUT_NAMES.map((name) => [name, shown(SERVICE_TIMEOUTS[name])]),
) as Record<ServiceTimeout, string>;

const POOLER_HINT = 'see README, "Behind PgBouncer"';

/**
 * Checked once at start, on connections opened as the pools open theirs
 * (refusing with one line rather than answering 500s later):
 * - PgBouncer refusing the startup parameters (08P01): DB_POOLER is unset
 *   behind it;
 * - the timeouts not in effect inside a transaction: behind the pooler, the
 *   role's defaults were never applied (migrations as the owner apply them);
 *   without one, a pooler configured to ignore startup parameters;
 * - without DB_POOLER, a connection whose server process changes between
 *   transactions: a transaction-mode pooler, where named prepared statements
 *   and session state would break at run time. One connection holds a
 *   transaction open while a second runs three transactions: straight to
 *   PostgreSQL the second always has the same backend; a pooler hands it the
 *   first one's server once released (PgBouncer reuses idle servers LIFO, or
 *   round-robin: either way within three).
 */
export async function checkServiceSession(
  url: string,
  pooler: Pooler,
  options: { connectionTimeoutMillis?: number; applicationName?: string } = {},
): Promise<void> {
  const open = async (): Promise<Client> => {
    const client = new Client({
      connectionString: url,
      application_name: options.applicationName ?? 'wallet-ledger-check',
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 3_000,
      ...serviceStartupParameters(pooler),
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      const message = (error as Error).message;
      if (/unsupported startup parameter/i.test(message)) {
        throw new Error(
          `DATABASE_URL's server refused a startup parameter (${message}): it is a pooler such as PgBouncer; ` +
            `set DB_POOLER=pgbouncer-transaction (${POOLER_HINT})`,
        );
      }
      throw error;
    }
    return client;
  };
  const first = await open();
  let second: Client | undefined;
  try {
    await first.query('begin');
    const { rows } = await first.query<Record<ServiceTimeout, string> & { pid: number }>(
      `select pg_backend_pid() as pid, ${TIMEOUT_NAMES.map((name) => `current_setting('${name}') as ${name}`).join(', ')}`,
    );
    const wrong = TIMEOUT_NAMES.filter((name) => rows[0][name] !== SHOWN_SERVICE_TIMEOUTS[name]);
    if (wrong.length > 0) {
      const found = wrong.map((name) => `${name} is ${rows[0][name]}, not ${SHOWN_SERVICE_TIMEOUTS[name]}`).join(', ');
      throw new Error(
        pooler === 'none'
          ? `DATABASE_URL's connections ignore their startup parameters (${found}): behind a pooler such as ` +
              `PgBouncer set DB_POOLER=pgbouncer-transaction (${POOLER_HINT})`
          : `DB_POOLER=${pooler}: inside a transaction ${found}. The timeouts are the role's defaults in the ` +
              'database, set by the migrations (as the owner, MIGRATION_DATABASE_URL): run them, or as a superuser ' +
              `ALTER ROLE <DATABASE_URL's user> IN DATABASE <db> SET ${TIMEOUT_NAMES.map((n) => `${n} = ${SERVICE_TIMEOUTS[n]}`).join(', ')} (${POOLER_HINT})`,
      );
    }
    await first.query('commit');
    if (pooler !== 'none') return;
    await first.query('begin');
    await first.query('select 1');
    second = await open();
    const backend = async () => (await second!.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
    const pids = new Set([await backend()]);
    await first.query('commit');
    pids.add(await backend());
    pids.add(await backend());
    if (pids.size > 1) {
      throw new Error(
        "DATABASE_URL's connections change PostgreSQL server process between transactions (a transaction-mode " +
          `pooler): set DB_POOLER=pgbouncer-transaction (${POOLER_HINT})`,
      );
    }
  } finally {
    await first.end().catch(() => undefined);
    await second?.end().catch(() => undefined);
  }
}
