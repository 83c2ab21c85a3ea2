import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningPostgres, startEmbeddedPostgres } from '../../libs/persistence/src/embedded-postgres';
import { freePort } from '../../libs/testing/src/processes';

export { freePort };

/**
 * The suite's own PostgreSQL (the embedded-postgres binaries, 127.0.0.1
 * only, real durability settings), so that it can be restarted and frozen.
 */
export class Postgres {
  private running?: RunningPostgres;
  /** Kept while the server is down: the password lives in a file beside the data directory, the same after a restart. */
  private lastUrl?: string;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  static async start(dataDir: string): Promise<Postgres> {
    const postgres = new Postgres(dataDir, await freePort());
    await postgres.up();
    return postgres;
  }

  get url(): string {
    if (!this.lastUrl) throw new Error('the suite PostgreSQL has not started');
    return this.lastUrl;
  }

  async up(): Promise<void> {
    this.running = await startEmbeddedPostgres({ dataDir: this.dataDir, port: this.port, database: 'wallet' });
    this.lastUrl = this.running.url;
  }

  /** A fast shutdown: every backend is terminated (57P01), the server checkpoints and exits. */
  async down(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
  }

  /** The postmaster and every backend, frozen (SIGSTOP) or thawed (SIGCONT): the database hangs. */
  signalAll(signal: 'SIGSTOP' | 'SIGCONT'): number {
    const postmaster = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)])
      .toString()
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    const pids = signal === 'SIGSTOP' ? [postmaster, ...children] : [...children, postmaster];
    for (const pid of pids) process.kill(pid, signal);
    return pids.length;
  }
}

export const SUITE_ENV = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  SESSION_SECRET: 'fault-suite-session-secret-of-enough-length',
  // Plain HTTP on 127.0.0.1: cookies without the Secure flag.
  SECURE_COOKIES: 'false',
  SHUTDOWN_TIMEOUT_SECONDS: '10',
  // Two instances on one host: each metrics listener on a free port of its own (nothing here scrapes them).
  METRICS_PORT: '0',
};

/** One API instance: the built dist in production mode, a separate process, its log in a file. */
export class ApiInstance {
  private child?: ChildProcess;
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private starts = 0;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly databaseUrl: string,
    private readonly logDir: string,
    /** On top of SUITE_ENV (DB_POOLER and MIGRATION_DATABASE_URL behind PgBouncer, or where migrations run as another role). */
    private readonly env: Record<string, string> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const log = createWriteStream(join(this.logDir, `${this.name}.${++this.starts}.log`));
    const child = spawn(process.execPath, ['dist/apps/api/src/main.js'], {
      env: { ...process.env, ...SUITE_ENV, ...this.env, DATABASE_URL: this.databaseUrl, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await this.waitReady(child);
  }

  /** /readyz when the service has it, else /healthcheck (liveness). */
  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode} while starting`);
      for (const path of ['/readyz', '/healthcheck']) {
        const status = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(2_000) }).then(
          (response) => response.status,
          () => 0,
        );
        if (status === 200) return;
        if (status !== 404) break;
      }
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready within 60 s`);
      await sleep(100);
    }
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** SIGTERM, then how it ended and how long it took. */
  async terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const started = Date.now();
    this.child?.kill('SIGTERM');
    const ended = await this.exited!;
    return { ...ended, ms: Date.now() - started };
  }

  async exit(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
