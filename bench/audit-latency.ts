/**
 * Issue 15: what the ledger audit does to everyone else's latency. On one
 * seeded database, for each build given (e.g. the code before and after a
 * change, back to back), starts that build's API and measures `/healthcheck`
 * and a logged-in user's `GET /v1/wallets` at a fixed request rate (autocannon,
 * latencies corrected for coordinated omission) in three phases:
 *
 *   idle      no audit (AUDIT_LATENCY_IDLE_SECONDS, default 10 s)
 *   1 audit   while one GET /v1/admin/ledger/audit runs, until it answers
 *   4 audits  while four are sent at once, until the last answers
 *
 * and prints one table row per build and phase (p50, p99, max, requests, the
 * audits' answers and wall time). See docs/PERFORMANCE.md, "Audit under load".
 *
 *   npm run build
 *   # once: a database with ~1M operations, migrated by the build in AUDIT_LATENCY_BUILDS' first directory
 *   AUDIT_LATENCY_DB=postgres://postgres@127.0.0.1:5432/audit_bench \
 *     node -r ts-node/register/transpile-only bench/audit-latency.ts seed
 *   # then, as often as wanted:
 *   AUDIT_LATENCY_DB=... AUDIT_LATENCY_BUILDS=before=/work/wt-before,after=. \
 *     node -r ts-node/register/transpile-only bench/audit-latency.ts measure
 *   AUDIT_LATENCY_DB=... node -r ts-node/register/transpile-only bench/audit-latency.ts drop
 *
 *   AUDIT_LATENCY_DB          the database (created by `seed`, dropped by `drop`); required
 *   AUDIT_LATENCY_OPERATIONS  deposits on the history wallet (default 500000: with their funding legs and
 *                             the funded wallets' 4,000 rows, 1,004,000 operation rows)
 *   AUDIT_LATENCY_BUILDS      label=directory pairs, comma-separated (default: after=.); each directory's
 *                             dist/apps/api/src/main.js is started in turn
 *   AUDIT_LATENCY_ROUNDS      how many times the list of builds is measured (default 1)
 *   AUDIT_LATENCY_RATE        requests per second on each route (default 50)
 */
import { hash } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { get } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { freePort } from './database';
import { login, startApi } from './api-process';
import { round } from './process-stats';
import { BENCH_PASSWORD, hashSeededChains, seedFundedWallets, seedHistoryWallet } from './seed';

const ADMIN = { username: 'bench-auditor', password: 'bench-auditor-password' };
const READER = { username: 'bench-1', password: BENCH_PASSWORD };
const OPERATIONS = Number(process.env.AUDIT_LATENCY_OPERATIONS ?? 500_000);
const WALLETS = 2_000;
const RATE = Number(process.env.AUDIT_LATENCY_RATE ?? 50);
const IDLE_SECONDS = Number(process.env.AUDIT_LATENCY_IDLE_SECONDS ?? 10);
const ROUNDS = Number(process.env.AUDIT_LATENCY_ROUNDS ?? 1);

interface RouteLatency {
  p50: number;
  p99: number;
  max: number;
  requests: number;
  non2xx: number;
}

interface PhaseResult {
  build: string;
  phase: string;
  seconds: number;
  health: RouteLatency;
  balance: RouteLatency;
  audits: string;
}

const started = Date.now();
const log = (line: string) => console.log(`[audit-latency ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

function databaseUrl(): string {
  const url = process.env.AUDIT_LATENCY_DB;
  if (!url) throw new Error('AUDIT_LATENCY_DB must name the bench database (postgres://.../audit_bench)');
  return url;
}

function builds(): { label: string; dir: string }[] {
  return (process.env.AUDIT_LATENCY_BUILDS ?? 'after=.').split(',').map((pair) => {
    const [label, dir] = pair.split('=');
    return { label, dir: resolve(dir) };
  });
}

async function onServer<T>(url: string, work: (admin: Client, name: string) => Promise<T>): Promise<T> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.slice(1));
  parsed.pathname = '/postgres';
  const admin = new Client({ connectionString: parsed.toString() });
  await admin.connect();
  try {
    return await work(admin, name);
  } finally {
    await admin.end();
  }
}

async function seed(): Promise<void> {
  const url = databaseUrl();
  const cli = resolve(builds()[0].dir, 'dist/apps/cli/src/main.js');
  await onServer(url, (admin, name) => admin.query(`create database "${name}"`));
  execFileSync(process.execPath, [cli, 'migrate'], { env: { ...process.env, DATABASE_URL: url }, stdio: 'inherit' });
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const passwordHash = await hash(BENCH_PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    log(`seeding ${WALLETS} funded wallets`);
    await seedFundedWallets(db, WALLETS, '1000000.00', passwordHash);
    log(`seeding a wallet with ${OPERATIONS} deposits`);
    await seedHistoryWallet(db, String(OPERATIONS), OPERATIONS, passwordHash);
    log('hashing the seeded chains');
    await hashSeededChains(db);
    await db.query('vacuum analyze');
    execFileSync(process.execPath, [cli, 'admin'], {
      env: { ...process.env, DATABASE_URL: url, ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password },
      stdio: 'ignore',
    });
    const { rows } = await db.query<{ count: string }>('select count(*)::text as count from operations');
    log(`seeded: ${rows[0].count} operations`);
  } finally {
    await db.end();
  }
}

async function drop(): Promise<void> {
  await onServer(databaseUrl(), (admin, name) => admin.query(`drop database if exists "${name}" with (force)`));
  log('dropped');
}

/** Fixed-rate load on one route until `until` settles (or for `seconds`). */
function load(url: string, path: string, cookie: string | undefined, seconds: number) {
  let stop: () => void = () => undefined;
  const result = new Promise<RouteLatency>((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url: `${url}${path}`,
        connections: 4,
        overallRate: RATE,
        duration: seconds,
        timeout: 60,
        headers: cookie ? { cookie } : {},
      },
      (error, r) =>
        error
          ? reject(error)
          : resolvePromise({
              p50: r.latency.p50,
              p99: r.latency.p99,
              max: r.latency.max,
              requests: r.requests.total,
              non2xx: r.non2xx,
            }),
    );
    stop = () => instance.stop();
  });
  return { result, stop: () => stop() };
}

async function phase(
  build: string,
  name: string,
  url: string,
  cookies: { admin: string; reader: string },
  audits: number,
): Promise<PhaseResult> {
  const t0 = Date.now();
  const health = load(url, '/healthcheck', undefined, audits === 0 ? IDLE_SECONDS : 3600);
  const balance = load(url, '/v1/wallets', cookies.reader, audits === 0 ? IDLE_SECONDS : 3600);
  let answers = '';
  if (audits > 0) {
    // Let the load settle first, so that every audit runs under it.
    await sleep(500);
    const a0 = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: audits }, async () => {
        const response = await getJson(`${url}/v1/admin/ledger/audit`, cookies.admin);
        const body = response.body as {
          data: { balanced: boolean; chain_ok: boolean; operations_checked: number } | null;
          status: { errors: { reason: string }[] };
        };
        const label =
          response.status === 200 && body.data
            ? `200 ${body.data.balanced && body.data.chain_ok ? 'clean' : 'NOT CLEAN'} ${body.data.operations_checked}`
            : `${response.status} ${body.status.errors.map((e) => e.reason).join(',')}`;
        return { label, seconds: (Date.now() - a0) / 1000 };
      }),
    );
    health.stop();
    balance.stop();
    const counts = new Map<string, number>();
    outcomes.forEach((o) => counts.set(o.label, (counts.get(o.label) ?? 0) + 1));
    answers =
      [...counts].map(([label, n]) => `${n}× ${label}`).join('; ') +
      `; last answer after ${round(Math.max(...outcomes.map((o) => o.seconds)), 1)} s`;
  }
  const [h, b] = await Promise.all([health.result, balance.result]);
  return { build, phase: name, seconds: round((Date.now() - t0) / 1000, 1), health: h, balance: b, audits: answers };
}

/** A GET without a client-side time limit (fetch gives up on headers after 300 s; four audits before the fix took longer). */
function getJson(url: string, cookie: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolvePromise, reject) => {
    get(url, { headers: { cookie } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

async function measure(): Promise<void> {
  const url = databaseUrl();
  const results: PhaseResult[] = [];
  for (let roundNo = 1; roundNo <= ROUNDS; roundNo++) {
    for (const { label, dir } of builds()) {
      const api = await startApi(url, await freePort(), { LOG_LEVEL: 'warn' }, resolve(dir, 'dist/apps/api/src/main.js'));
      try {
        const cookies = {
          admin: await login(api.url, ADMIN.username, ADMIN.password),
          reader: await login(api.url, READER.username, READER.password),
        };
        // Warm up (JIT, pools, prepared statements) before anything is measured.
        await load(api.url, '/v1/wallets', cookies.reader, 3).result;
        for (const [name, audits] of [
          ['idle', 0],
          ['1 audit', 1],
          ['4 audits at once', 4],
        ] as const) {
          log(`${label} (round ${roundNo}): ${name}, load ${loadavg()[0].toFixed(1)}`);
          const result = await phase(label, name, api.url, cookies, audits);
          results.push(result);
          log(
            `${label}: ${name}: healthcheck p99 ${result.health.p99} ms, balance p99 ${result.balance.p99} ms ${result.audits}`,
          );
        }
      } finally {
        await api.stop();
      }
    }
  }
  console.log(
    `\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; ` +
      `${RATE} req/s on each route, 4 connections each`,
  );
  console.log(
    '| build | phase | window (s) | /healthcheck p50 / p99 / max (ms) | GET /v1/wallets p50 / p99 / max (ms) | requests (health, balance) | audits |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const fmt = (l: RouteLatency) => `${l.p50} / ${l.p99} / ${l.max}`;
    console.log(
      `| ${r.build} | ${r.phase} | ${r.seconds} | ${fmt(r.health)} | ${fmt(r.balance)} | ` +
        `${r.health.requests}, ${r.balance.requests}${r.health.non2xx + r.balance.non2xx ? ` (${r.health.non2xx + r.balance.non2xx} non-2xx)` : ''} | ${r.audits || '—'} |`,
    );
  }
}

const command = process.argv[2];
const commands: Record<string, () => Promise<void>> = { seed, measure, drop };
if (!commands[command]) {
  console.error('usage: audit-latency.ts seed|measure|drop (see the header)');
  process.exit(2);
}
commands[command]().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
