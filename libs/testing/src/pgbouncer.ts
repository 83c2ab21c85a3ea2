import { Client } from 'pg';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes';

/**
 * PgBouncer (Debian's 1.18) in transaction mode on a free port of 127.0.0.1,
 * in front of one PostgreSQL server, for the tests, the fault suite and the
 * bench: `pool_mode = transaction` and otherwise stock settings, the wildcard
 * database `* = host=... port=...` (so every per-worker test database goes
 * through it), clients trusted on loopback. Users with a password are listed
 * in the auth file, whose password PgBouncer then uses to log in to
 * PostgreSQL. Started as the `postgres` system user when run as root
 * (PgBouncer refuses root). `ignore_startup_parameters = extra_float_digits`
 * only: what node-postgres may send besides the supported ones.
 */
export interface PgBouncer {
  host: string;
  port: number;
  /** `url` with its host and port replaced by PgBouncer's: the same user, password and database, pooled. */
  pooled(url: string): string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it. */
  serverHost: string;
  serverPort: number;
  /** user → password (plain), for servers that ask one; trusted users need none. */
  users?: Record<string, string>;
  /** default_pool_size (PgBouncer's default: 20). */
  poolSize?: number;
  /**
   * A superuser PgBouncer asks for users missing from the auth file (`auth_user`, the stock `auth_query` on
   * pg_shadow): a test's own roles then pass too (the server trusts them, so no password is needed).
   */
  authUser?: string;
  /** Beyond extra_float_digits (a misconfiguration a test wants: the timeouts dropped silently). */
  ignoreStartupParameters?: string[];
  log?: (line: string) => void;
}

const BINARY_CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'];

function binary(): string | undefined {
  return BINARY_CANDIDATES.find((path) => existsSync(path));
}

/**
 * The pgbouncer binary, installed with apt when missing (as root, where apt
 * exists). A reason instead when there is none to be had.
 */
export function ensurePgBouncer(log: (line: string) => void = () => undefined): { path: string } | { skipped: string } {
  const found = binary();
  if (found) return { path: found };
  if (process.getuid?.() !== 0) return { skipped: 'pgbouncer is not installed and apt needs root' };
  if (!existsSync('/usr/bin/apt-get')) return { skipped: 'pgbouncer is not installed and there is no apt-get' };
  try {
    log('installing pgbouncer with apt-get');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'pgbouncer'], { stdio: 'ignore', env });
  } catch {
    try {
      execFileSync('apt-get', ['update', '-q'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'pgbouncer'], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (error) {
      return { skipped: `apt-get could not install pgbouncer (${(error as Error).message.split('\n')[0]})` };
    }
  }
  // Debian starts the packaged service on install: it is not ours to run (port 6432), stop it.
  try {
    execFileSync('sh', ['-c', 'service pgbouncer stop || true'], { stdio: 'ignore' });
  } catch {
    // no service manager: nothing was started
  }
  const installed = binary();
  return installed ? { path: installed } : { skipped: 'apt-get installed pgbouncer but no binary was found' };
}

function quoteAuth(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** Starts PgBouncer; throws, saying why, when it cannot (call ensurePgBouncer first to skip cleanly). */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const found = ensurePgBouncer(options.log);
  if ('skipped' in found) throw new Error(`no PgBouncer: ${found.skipped}`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wallet-pgbouncer-'));
  const users = { postgres: '', ...options.users };
  writeFileSync(
    join(dir, 'users.txt'),
    Object.entries(users)
      .map(([user, password]) => `${quoteAuth(user)} ${quoteAuth(password)}\n`)
      .join(''),
    { mode: 0o600 },
  );
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${options.serverHost} port=${options.serverPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      ...(options.authUser ? [`auth_user = ${options.authUser}`] : []),
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize ?? 20}`,
      'max_client_conn = 1000',
      // A server login that failed (a spec terminated the service's backends while PgBouncer was opening one)
      // is tried again at the next client's request, not after PgBouncer's default 15 s of refusing everyone.
      'server_login_retry = 0',
      // The admin console, for RECONNECT (reconnectPgBouncerServers): the harness's own user.
      `admin_users = ${Object.keys(users).join(', ')}`,
      `ignore_startup_parameters = ${['extra_float_digits', ...(options.ignoreStartupParameters ?? [])].join(',')}`,
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  const root = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (root) {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('postgres:'));
    if (!line) throw new Error('no PgBouncer: running as root and there is no postgres system user to run it as');
    [uid, gid] = line.split(':').slice(2, 4).map(Number);
    for (const file of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, file), uid, gid);
  } else if (userInfo().username === 'root') {
    throw new Error('no PgBouncer: it refuses to run as root');
  }
  const child: ChildProcess = spawn(found.path, [join(dir, 'pgbouncer.ini')], {
    uid,
    gid,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`PgBouncer did not start: ${(stderr + log).trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  options.log?.(
    `PgBouncer ${found.path} in transaction mode on 127.0.0.1:${port} → ${options.serverHost}:${options.serverPort}`,
  );
  return {
    host: '127.0.0.1',
    port,
    pooled(url: string) {
      const pooled = new URL(url);
      pooled.hostname = '127.0.0.1';
      pooled.port = String(port);
      return pooled.toString();
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM'); // PgBouncer 1.18: immediate shutdown
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The PgBouncer pass: asks the pass's PgBouncer to close every server
 * connection once it is released (`RECONNECT` on its admin console), as an
 * operator does after a failover. A spec that changes what new sessions of a
 * database get (default_transaction_read_only) or terminates the service's
 * backends calls it first: PgBouncer's pooled server connections keep the
 * session defaults they started with, and one of them handed out later would
 * still be read-only. Outside that pass, nothing to do.
 */
export async function reconnectPgBouncerServers(): Promise<void> {
  const port = process.env.TEST_PGBOUNCER_PORT;
  if (!port) return;
  const admin = new URL(process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const console = new Client({
    host: '127.0.0.1',
    port: Number(port),
    user: decodeURIComponent(admin.username) || 'postgres',
    password: decodeURIComponent(admin.password) || undefined,
    database: 'pgbouncer',
  });
  await console.connect();
  try {
    await console.query('RECONNECT');
  } finally {
    await console.end();
  }
}
