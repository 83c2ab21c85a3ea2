/**
 * make test-faults: two API instances (the built dist, production mode,
 * separate processes) on one private PostgreSQL, a load client of our own,
 * and one fault per round: an instance killed with SIGKILL and restarted,
 * PostgreSQL restarted, PostgreSQL frozen for seconds, an instance stopped
 * with SIGTERM under load. After each round, what clients were told is
 * checked against the ledger (nothing acknowledged lost, nothing posted
 * twice) and every ledger invariant is checked. Exits 1 on any failure.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { ensurePgBouncer, type PgBouncer, startPgBouncer } from '../../libs/testing/src/pgbouncer';
import { seededRandom } from '../../libs/testing/src/seeded-random';
import { ApiInstance, freePort, Postgres, SUITE_ENV } from './cluster';
import { LoadClient, type LoadOptions } from './load';
import { ADMIN, logIn, login, makeAdmin, seed, withDb } from './suite';
import { countEntries, printRound, type RoundReport, verifyRound } from './verify';

const WALLETS = Number(process.env.FAULTS_WALLETS ?? 200);
const ROUND_SECONDS = Number(process.env.FAULTS_ROUND_SECONDS ?? 12);
const CONCURRENCY = 32;
const FAULT_AT_MS = 3_000;

async function main(): Promise<number> {
  const startedAt = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'wallet-ledger-faults-'));
  const logs = join(work, 'logs');
  mkdirSync(logs);
  const cleanup: Array<() => Promise<void>> = [];
  let passed = false;
  try {
    const postgres = await Postgres.start(join(work, 'postgres'));
    cleanup.push(() => postgres.down());
    const step = (what: string) => console.log(`${what} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
    step(`PostgreSQL on 127.0.0.1:${postgres.port}; logs in ${logs}`);
    const [a, b] = [
      new ApiInstance('api-a', await freePort(), postgres.url, logs),
      new ApiInstance('api-b', await freePort(), postgres.url, logs),
    ];
    cleanup.push(
      () => a.exit(),
      () => b.exit(),
    );
    await a.start(); // applies the migrations
    step('api-a ready');
    const db = new Client({ connectionString: postgres.url, application_name: 'fault-suite' });
    db.on('error', () => undefined); // round 2 restarts the server under it; checks reconnect below
    await db.connect();
    await seed(db, WALLETS);
    await db.end();
    step(`seeded ${WALLETS} wallets`);
    await b.start();
    await makeAdmin({ DATABASE_URL: postgres.url });
    step('api-b ready, admin made');
    const instances = [a, b];
    const wallets = await logIn(instances, WALLETS);
    const adminCookie = await login(a.url, ADMIN.username, ADMIN.password);
    step('every wallet logged in through HTTP');

    const load = new LoadClient(() => instances.map((instance) => instance.url), wallets, seededRandom(20261127).next);
    const audit = async () => {
      const response = await fetch(`${instances[0].url}/v1/admin/ledger/audit`, { headers: { cookie: adminCookie } });
      return ((await response.json()) as { data: Record<string, unknown> }).data;
    };
    const reports: RoundReport[] = [];
    const round = async (name: string, key: string, fault: () => Promise<void>, extra?: () => string[]) => {
      const options: LoadOptions = {
        round: key,
        seconds: ROUND_SECONDS,
        concurrency: CONCURRENCY,
        maxRequests: 4_000,
        attemptTimeoutMs: 30_000,
        drainSeconds: 40,
      };
      const before = await withDb(postgres.url, countEntries);
      const started = Date.now();
      const sent = await load.run(options, FAULT_AT_MS, fault);
      const report = await withDb(postgres.url, (db) =>
        verifyRound(db, name, Math.round((Date.now() - started) / 1000), sent, before, audit),
      );
      report.problems.push(...(extra?.() ?? []));
      printRound(report);
      reports.push(report);
    };

    await round('Round 1: SIGKILL api-a midway, then restart it', 'r1', async () => {
      a.kill();
      await sleep(1_500);
      await a.start();
    });

    await round('Round 2: restart PostgreSQL midway (fast shutdown, 2 s down)', 'r2', async () => {
      await postgres.down();
      await sleep(2_000);
      await postgres.up();
    });

    let frozen = 0;
    await round(
      'Round 3: PostgreSQL hangs for 7 s (SIGSTOP of the postmaster and every backend, then SIGCONT)',
      'r3',
      async () => {
        frozen = postgres.signalAll('SIGSTOP');
        await sleep(7_000);
        postgres.signalAll('SIGCONT');
      },
      () => {
        const last = reports.at(-1);
        return last && !last.attempts.get(503)
          ? [`the hang produced no 503 (${frozen} processes frozen): the timeouts were not exercised`]
          : [];
      },
    );

    let stopped = { code: null as number | null, signal: null as NodeJS.Signals | null, ms: 0 };
    const bound = Number(SUITE_ENV.SHUTDOWN_TIMEOUT_SECONDS) * 1000;
    await round(
      'Round 4: SIGTERM api-b under load, then start it again',
      'r4',
      async () => {
        stopped = await b.terminate();
        await b.start();
      },
      () => {
        console.log(`  api-b after SIGTERM: exit code ${stopped.code}, signal ${stopped.signal}, in ${stopped.ms} ms`);
        return stopped.code === 0 && stopped.ms < bound ? [] : [`SIGTERM: exit ${stopped.code} after ${stopped.ms} ms`];
      },
    );

    // Round 5 (issue 16): the same keyed storm with both instances behind PgBouncer 1.18 in transaction mode
    // (DB_POOLER=pgbouncer-transaction, migrations straight to PostgreSQL), started together, and PostgreSQL
    // restarted under it. Skipped, saying why, where no PgBouncer can run (FAULTS_PGBOUNCER=0 too).
    const found = process.env.FAULTS_PGBOUNCER === '0' ? { skipped: 'FAULTS_PGBOUNCER=0' } : ensurePgBouncer();
    if ('skipped' in found) {
      console.log(`\nRound 5 (behind PgBouncer) skipped: ${found.skipped}`);
    } else {
      const direct = new URL(postgres.url);
      const bouncer: PgBouncer = await startPgBouncer({
        serverHost: direct.hostname,
        serverPort: Number(direct.port),
        users: { [decodeURIComponent(direct.username)]: decodeURIComponent(direct.password) },
      });
      cleanup.push(() => bouncer.stop());
      const pooledEnv = { DB_POOLER: 'pgbouncer-transaction', MIGRATION_DATABASE_URL: postgres.url };
      const [c, d] = [
        new ApiInstance('api-c', await freePort(), bouncer.pooled(postgres.url), logs, pooledEnv),
        new ApiInstance('api-d', await freePort(), bouncer.pooled(postgres.url), logs, pooledEnv),
      ];
      cleanup.push(
        () => c.exit(),
        () => d.exit(),
      );
      await Promise.all([c.start(), d.start()]);
      await Promise.all([a.terminate(), b.terminate()]);
      instances.splice(0, instances.length, c, d);
      step(`api-c and api-d started together behind PgBouncer (127.0.0.1:${bouncer.port}); api-a and api-b stopped`);
      await round(
        'Round 5: behind PgBouncer (transaction mode), restart PostgreSQL midway (2 s down)',
        'r5',
        async () => {
          await postgres.down();
          await sleep(2_000);
          await postgres.up();
        },
      );
    }

    printSummary(reports);
    const failed = reports.filter((report) => report.problems.length > 0);
    console.log(
      `\nfault suite ${failed.length ? 'FAILED' : 'passed'} in ${Math.round((Date.now() - startedAt) / 1000)} s`,
    );
    passed = failed.length === 0;
    return passed ? 0 : 1;
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    if (passed) rmSync(work, { recursive: true, force: true });
    else console.log(`API logs kept in ${logs}`);
  }
}

function printSummary(reports: RoundReport[]): void {
  console.log('\n== Summary');
  const header = [
    'round',
    'sent',
    'retried',
    '200',
    '400',
    '409',
    '503 attempts',
    'posted',
    'replayed',
    'lost',
    'duplicated',
    'checks',
  ];
  const rows = reports.map((report, index) => [
    String(index + 1),
    String(report.sent),
    String(report.retried),
    String(report.finals.get(200) ?? 0),
    String(report.finals.get(400) ?? 0),
    String(report.finals.get(409) ?? 0),
    String(report.attempts.get(503) ?? 0),
    String(report.posted),
    String(report.replayed),
    String(report.lost),
    String(report.duplicated),
    report.problems.length ? 'FAILED' : 'ok',
  ]);
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
