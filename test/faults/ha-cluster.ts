import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { freePort } from './cluster';

/** Debian's PostgreSQL 15, with pg_auto_failover 2.0 (postgresql-15-auto-failover, pg-auto-failover-cli). */
export const PG_BIN = '/usr/lib/postgresql/15/bin';
const DATABASE = 'wallet';

/**
 * The monitor's health checks, tuned for a fast promotion (pg_auto_failover's
 * defaults in the comments: about 50 s from a primary's death to a writable
 * new primary; about 10 s with these). Set with ALTER SYSTEM on the monitor.
 */
export const MONITOR_SETTINGS = {
  'pgautofailover.health_check_period': 1000, // 5000 ms between health checks of each node
  'pgautofailover.health_check_timeout': 1000, // 5000 ms for one check's connection
  'pgautofailover.health_check_max_retries': 1, // 2 retries before a node is unhealthy
  'pgautofailover.health_check_retry_delay': 500, // 2000 ms between retries
  'pgautofailover.node_considered_unhealthy_timeout': 2000, // 20000 ms without a keeper report
  // 30000 ms: how long the monitor waits for an unreachable primary to demote itself before the new
  // primary takes writes. Only safe together with the keepers' network_partition_timeout below it.
  'pgautofailover.primary_demote_timeout': 5000,
} as const;

/**
 * Each keeper's own setting (pg_autoctl config set): a primary that cannot
 * reach the monitor nor its standby for this long demotes itself (20 s by
 * default), before the monitor's primary_demote_timeout (5 s above) lets the
 * standby take writes: no two writable primaries in a network partition.
 */
export const KEEPER_SETTINGS = { 'timeout.network_partition_timeout': 3 } as const;

interface Postgres {
  uid: number;
  gid: number;
}

/** A process tree of our own (its own process group), its output in a log file. */
class Tree {
  private child?: ChildProcess;

  constructor(
    private readonly name: string,
    private readonly logs: string,
  ) {}

  start(command: string, args: string[], user: Postgres, env: NodeJS.ProcessEnv, cwd: string): void {
    const log = createWriteStream(join(this.logs, `${this.name}.log`), { flags: 'a' });
    const child = spawn(command, args, { uid: user.uid, gid: user.gid, env, cwd, detached: true, stdio: 'pipe' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.on('error', (error) => log.write(`spawn failed: ${error.message}\n`));
    this.child = child;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL to the whole process group (pg_autoctl, its supervisor and the postmaster it started). */
  kill(): void {
    if (this.child?.pid) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}

export interface NodeState {
  name: string;
  port: number;
  reported: string;
  goal: string;
}

/**
 * pg_auto_failover on loopback, as the postgres user, in a directory of its
 * own: a monitor and two nodes (primary and secondary, synchronous
 * replication while both are up), and HAProxy in TCP mode in front of the
 * nodes, routing to the one that passes its external check: a writable
 * primary (`pg_is_in_recovery()` false, `default_transaction_read_only`
 * off). Clients connect to HAProxy only.
 */
export class HaCluster {
  private readonly user: Postgres;
  private readonly env: NodeJS.ProcessEnv;
  private readonly monitor: Tree;
  private readonly keepers: Tree[];
  private readonly haproxy: Tree;

  private constructor(
    private readonly dir: string,
    private readonly logs: string,
    readonly monitorPort: number,
    readonly nodePorts: number[],
    private port: number,
  ) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    this.user = { uid, gid };
    this.env = {
      PATH: `${PG_BIN}:/usr/bin:/bin`,
      PG_CONFIG: `${PG_BIN}/pg_config`,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_DATA_HOME: join(dir, 'share'),
      XDG_RUNTIME_DIR: join(dir, 'run'),
      LANG: 'C.UTF-8',
    };
    this.monitor = new Tree('monitor', logs);
    this.keepers = nodePorts.map((_, index) => new Tree(`node${index + 1}`, logs));
    this.haproxy = new Tree('haproxy', logs);
  }

  /** The cluster's ports and directory; `form()` starts it, `down()` stops whatever of it runs. */
  static async create(dir: string, logs: string): Promise<HaCluster> {
    return new HaCluster(dir, logs, await freePort(), [await freePort(), await freePort()], await freePort());
  }

  /** HAProxy's port (another free one if the first was taken before HAProxy could bind it). */
  get proxyPort(): number {
    return this.port;
  }

  /** A URL through HAProxy (the writable primary). */
  url(user = 'postgres'): string {
    return `postgres://${user}@127.0.0.1:${this.proxyPort}/${DATABASE}`;
  }

  private nodeUrl(port: number, database = DATABASE): string {
    return `postgres://postgres@127.0.0.1:${port}/${database}`;
  }

  private get monitorUri(): string {
    return `postgres://autoctl_node@127.0.0.1:${this.monitorPort}/pg_auto_failover?sslmode=disable`;
  }

  /** Monitor, two nodes (the first one primary), HAProxy; resolves once the secondary is in sync. */
  async form(step: (what: string) => void): Promise<void> {
    for (const sub of ['config', 'share', 'run']) mkdirSync(join(this.dir, sub), { recursive: true });
    chownR(this.dir, this.user);
    const common = ['--listen', '127.0.0.1', '--hostname', '127.0.0.1', '--auth', 'trust', '--no-ssl'];
    this.monitor.start(
      'pg_autoctl',
      [
        'create',
        'monitor',
        '--pgdata',
        join(this.dir, 'monitor'),
        '--pgport',
        String(this.monitorPort),
        ...common,
        '--run',
      ],
      this.user,
      this.env,
      this.dir,
    );
    await waitFor('the monitor', 60_000, () =>
      query(this.nodeUrl(this.monitorPort, 'pg_auto_failover'), `select 1 from pgautofailover.formation`),
    );
    await withClient(this.nodeUrl(this.monitorPort, 'pg_auto_failover'), async (db) => {
      for (const [name, value] of Object.entries(MONITOR_SETTINGS))
        await db.query(`alter system set ${name} = ${value}`);
      await db.query('select pg_reload_conf()');
    });
    step(`pg_auto_failover monitor on 127.0.0.1:${this.monitorPort}, health checks tuned`);

    for (const [index, port] of this.nodePorts.entries()) {
      const pgdata = join(this.dir, `node${index + 1}`);
      // Created (initdb or base backup, registered with the monitor), configured, then run by its keeper.
      this.run('pg_autoctl', [
        'create',
        'postgres',
        '--pgdata',
        pgdata,
        '--pgport',
        String(port),
        '--name',
        `node${index + 1}`,
        '--dbname',
        DATABASE,
        '--monitor',
        this.monitorUri,
        ...common,
      ]);
      for (const [name, value] of Object.entries(KEEPER_SETTINGS)) {
        this.run('pg_autoctl', ['config', 'set', '--pgdata', pgdata, name, String(value)]);
      }
      this.startKeeper(index);
      if (index === 0) {
        await waitFor('the first node to be primary', 60_000, async () =>
          (await this.states()).some((node) => node.name === 'node1' && ['single', 'primary'].includes(node.reported)),
        );
      }
    }
    // The secondary's base backup waits for a checkpoint, spread over minutes by default: ask for it now.
    await waitFor('the secondary to catch up', 90_000, async () => {
      await query(this.nodeUrl(this.nodePorts[0]), 'checkpoint').catch(() => undefined);
      const states = await this.states();
      return states.length === 2 && states.every((node) => ['primary', 'secondary'].includes(node.reported));
    });
    step(`nodes on 127.0.0.1:${this.nodePorts.join(', ')}: primary and secondary`);

    const check = join(this.dir, 'check-writable-primary.sh');
    writeFileSync(
      check,
      `#!/bin/sh
# HAProxy's external check ($3 the server's address, $4 its port): up only on a writable primary.
out=$(PGCONNECT_TIMEOUT=1 ${PG_BIN}/psql -h "$3" -p "$4" -U postgres -d ${DATABASE} -XAtqc \\
  "select not pg_is_in_recovery() and current_setting('default_transaction_read_only') = 'off'" 2>/dev/null)
[ "$out" = t ]
`,
      { mode: 0o755 },
    );
    for (let attempt = 1; ; attempt++) {
      this.startHaproxy(check);
      // Up only once HAProxy itself runs and one of our nodes answers through it as the writable primary.
      const routed = await waitFor('HAProxy to route to the primary', 30_000, async () => {
        if (!this.haproxy.running) throw new Stop();
        return (await this.writable()) !== undefined;
      }).then(
        () => true,
        (error: unknown) => {
          if (error instanceof Stop && attempt < 3) return false;
          throw error;
        },
      );
      if (routed) break;
      this.port = await freePort(); // taken by another process before HAProxy could bind it (see haproxy.log)
    }
    step(`HAProxy on 127.0.0.1:${this.proxyPort} routes to the writable primary`);
  }

  private startHaproxy(check: string): void {
    const config = join(this.dir, 'haproxy.cfg');
    writeFileSync(
      config,
      `global
  external-check
  insecure-fork-wanted
  maxconn 512
defaults
  mode tcp
  timeout connect 1s
  timeout queue 1s
  timeout client 1h
  timeout server 1h
  timeout check 2s
listen postgres
  bind 127.0.0.1:${this.proxyPort}
  option external-check
  external-check path "/usr/bin:/bin"
  external-check command ${check}
  balance first
  default-server inter 500ms fall 1 rise 1 on-marked-down shutdown-sessions
${this.nodePorts.map((port, index) => `  server node${index + 1} 127.0.0.1:${port} check`).join('\n')}
`,
    );
    // As root (its checks connect as postgres over trusted loopback); -db: in the foreground, no daemon.
    this.haproxy.start(
      '/usr/sbin/haproxy',
      ['-db', '-f', config],
      { uid: 0, gid: 0 },
      { PATH: '/usr/bin:/bin' },
      this.dir,
    );
  }

  private run(command: string, args: string[]): void {
    execFileSync(command, args, {
      uid: this.user.uid,
      gid: this.user.gid,
      env: this.env,
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  }

  private startKeeper(index: number): void {
    this.keepers[index].start(
      'pg_autoctl',
      ['run', '--pgdata', join(this.dir, `node${index + 1}`)],
      this.user,
      this.env,
      this.dir,
    );
  }

  /** The nodes as the monitor sees them. */
  async states(): Promise<NodeState[]> {
    const rows = await query<{ name: string; port: number; reported: string; goal: string }>(
      this.nodeUrl(this.monitorPort, 'pg_auto_failover'),
      `select nodename as name, nodeport as port, reportedstate::text as reported, goalstate::text as goal
         from pgautofailover.node order by nodeid`,
    );
    return rows;
  }

  /** Index of the node the monitor calls primary. */
  async primary(): Promise<number> {
    const states = await this.states();
    const primary = states.find((node) => node.reported === 'primary' && node.goal === 'primary');
    if (!primary) throw new Error(`no primary: ${JSON.stringify(states)}`);
    return this.nodePorts.indexOf(primary.port);
  }

  /** The node a connection through HAProxy reaches when it is a writable primary right now, else undefined. */
  async writable(): Promise<string | undefined> {
    return query<{ ok: boolean; port: number }>(
      this.url(),
      `select not pg_is_in_recovery() and current_setting('transaction_read_only') = 'off' as ok,
              inet_server_port() as port`,
      1_000,
    ).then(
      // Only one of ours: on a shared machine the port could have been someone else's server for a moment.
      (rows) =>
        rows[0]?.ok === true && this.nodePorts.includes(rows[0].port)
          ? `node${this.nodePorts.indexOf(rows[0].port) + 1}`
          : undefined,
      () => undefined,
    );
  }

  /** The node dies: SIGKILL to its keeper's process group (pg_autoctl and the postmaster) and every backend. */
  kill(index: number): number {
    const pidFile = join(this.dir, `node${index + 1}`, 'postmaster.pid');
    const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
    const backends = postmaster
      ? execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)])
          .toString()
          .split('\n')
          .map((line) => Number(line.trim()))
          .filter((pid) => pid > 0)
      : [];
    this.keepers[index].kill();
    for (const pid of [postmaster, ...backends].filter((pid) => pid > 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone with the process group
      }
    }
    return backends.length + (postmaster ? 1 : 0);
  }

  /** The node's keeper started again: it asks the monitor, rewinds its data and follows the new primary. */
  rejoin(index: number): void {
    this.startKeeper(index);
  }

  async down(): Promise<void> {
    this.haproxy.kill();
    for (const [index] of this.keepers.entries()) this.kill(index);
    this.monitor.kill();
    const pidFile = join(this.dir, 'monitor', 'postmaster.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
      } catch {
        // gone with its process group
      }
    }
    await sleep(500); // the backends notice their postmaster is gone and exit
  }
}

function chownR(path: string, user: Postgres): void {
  execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, path]);
  chownSync(path, user.uid, user.gid);
}

async function withClient<T>(url: string, work: (db: Client) => Promise<T>, timeoutMs = 3_000): Promise<T> {
  const db = new Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    application_name: 'failover-suite',
  });
  db.on('error', () => undefined);
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

async function query<T extends object = Record<string, unknown>>(
  url: string,
  sql: string,
  timeoutMs = 3_000,
): Promise<T[]> {
  return withClient(url, async (db) => (await db.query<T>(sql)).rows, timeoutMs);
}

/** Thrown by a waitFor probe: stop waiting at once. */
class Stop extends Error {}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await probe().then(
      (value) => value !== false && !(Array.isArray(value) && value.length === 0),
      (error: unknown) => {
        if (error instanceof Stop) throw error;
        return false;
      },
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
