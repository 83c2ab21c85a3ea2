import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './database';

export interface ApiProcess {
  url: string;
  /** The API's metrics listener (GET /metrics), apart from its port; undefined for the bare Express. */
  metricsUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The API's Node flags: those of `npm start` and the Dockerfile, then
 * BENCH_API_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the
 * API under load). The bare Express reference runs with the same flags.
 */
export function apiNodeArgs(): string[] {
  return [
    '--max-semi-space-size=4',
    '--heap-growing-percent=50',
    ...(process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
}

/**
 * Starts the built API (production mode, no watch) as a separate process and waits until it answers;
 * `script`: another build's main.js (bench/audit-latency.ts compares two builds). Its metrics listener
 * takes a free port of 127.0.0.1 (METRICS_PORT), unless `env` names one.
 */
export async function startApi(
  databaseUrl: string,
  port: number,
  env: Record<string, string> = {},
  script = 'dist/apps/api/src/main.js',
): Promise<ApiProcess> {
  const metricsPort = env.METRICS_PORT ?? String(await freePort());
  const api = await startNode('the API', script, port, '/healthcheck', {
    DATABASE_URL: databaseUrl,
    METRICS_PORT: metricsPort,
    MIGRATE_ON_START: 'false',
    SESSION_SECRET: 'bench-session-secret-bench-session-secret',
    // Plain HTTP on 127.0.0.1 (production mode defaults to Secure cookies).
    SECURE_COOKIES: 'false',
    ...env,
  });
  return { ...api, metricsUrl: `http://127.0.0.1:${metricsPort}` };
}

/** Starts bench/bare-express.js (a bare Express "hello world") with the API's flags and waits until it answers. */
export function startBareExpress(port: number): Promise<ApiProcess> {
  return startNode('the bare Express', join(__dirname, 'bare-express.js'), port, '/', {});
}

async function startNode(
  name: string,
  script: string,
  port: number,
  readyPath: string,
  env: Record<string, string>,
): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, [...apiNodeArgs(), script], {
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...env },
    // BENCH_API_STDOUT=<file>: the processes' standard output (access lines, --trace-gc) appended there.
    stdio: ['ignore', process.env.BENCH_API_STDOUT ? openSync(process.env.BENCH_API_STDOUT, 'a') : 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}${readyPath}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (waited > 30_000) throw new Error(`${name} did not start within 30 s`);
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Logs a user in through HTTP and returns its session cookie. */
export async function login(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login of ${username} answered ${response.status}`);
  const cookie = response.headers.get('set-cookie');
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0];
}
