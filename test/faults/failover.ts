/**
 * make test-failover: automatic failover under keyed load. pg_auto_failover
 * (a monitor and two nodes on loopback, as the postgres user) behind HAProxy
 * routing to the writable primary; two API instances (the built dist,
 * production mode) connect through HAProxy only. Mid-load the primary node
 * dies (SIGKILL of its keeper, its postmaster and every backend); the monitor
 * promotes the secondary; later the old primary's keeper is started again and
 * it rejoins as the secondary. Then: every request resolved, nothing
 * acknowledged lost, nothing posted twice, every ledger invariant and the
 * audit. Exits 1 on any failure; skips with one line where it cannot run.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../../libs/testing/src/seeded-random';
import { ApiInstance, freePort } from './cluster';
import { HaCluster, PG_BIN } from './ha-cluster';
import { LoadClient } from './load';
import { ADMIN, logIn, login, makeAdmin, seed, withDb } from './suite';
import { countEntries, printRound, verifyRound } from './verify';

const WALLETS = Number(process.env.FAILOVER_WALLETS ?? 200);
const ROUND_SECONDS = Number(process.env.FAILOVER_ROUND_SECONDS ?? 30);
const CONCURRENCY = 32;
const FAULT_AT_MS = 4_000;
const PACKAGES = ['postgresql-15-auto-failover', 'pg-auto-failover-cli', 'haproxy'];
const API_ROLE = 'wallet_api';

const say = (line: string) => console.log(`== test-failover: ${line}`);

/** Why the suite cannot run here, or undefined; installs the packages with apt when missing. */
function cannotRun(): string | undefined {
  if (process.env.SKIP_FAILOVER_TEST === '1') return 'SKIP_FAILOVER_TEST=1';
  if (process.platform !== 'linux') return `needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0)
    return `needs root (runs PostgreSQL as the postgres user), running as uid ${process.getuid?.()}`;
  const present = () =>
    ['/usr/bin/pg_autoctl', '/usr/sbin/haproxy', `${PG_BIN}/postgres`].every((path) => existsSync(path));
  if (!present()) {
    if (!existsSync('/usr/bin/apt-get')) return `missing ${PACKAGES.join(' ')} and no apt-get to install them`;
    say(`installing ${PACKAGES.join(' ')} with apt`);
    const log = '/tmp/wallet-ledger-failover-apt.log';
    try {
      execFileSync('sh', [
        '-c',
        `{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${PACKAGES.join(' ')}; } > ${log} 2>&1`,
      ]);
    } catch {
      return `could not install ${PACKAGES.join(' ')} with apt (log: ${log})`;
    }
    if (!present()) return `${PACKAGES.join(' ')} installed, yet pg_autoctl, haproxy or PostgreSQL 15 is missing`;
  }
  try {
    execFileSync('id', ['-u', 'postgres']);
  } catch {
    return 'no postgres system user (the postgresql-15 package makes it)';
  }
  return undefined;
}

async function main(): Promise<number> {
  const why = cannotRun();
  if (why) {
    say(`SKIPPED: ${why}`);
    return 0;
  }
  const startedAt = Date.now();
  const step = (what: string) => console.log(`${what} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  step('built');
  const work = mkdtempSync(join(tmpdir(), 'wallet-ledger-failover-'));
  chmodSync(work, 0o755); // the postgres user runs the cluster in a directory below it
  const logs = join(work, 'logs');
  mkdirSync(logs);
  const cleanup: Array<() => Promise<void>> = [];
  let passed = false;
  try {
    const cluster = await HaCluster.create(join(work, 'ha'), logs);
    cleanup.push(() => cluster.down());
    await cluster.form(step);
    const ownerUrl = cluster.url('postgres');
    await withDb(ownerUrl, (db) => db.query(`create role ${API_ROLE} login password 'failover-suite'`));
    const urls = { DATABASE_URL: cluster.url(`${API_ROLE}:failover-suite`), MIGRATION_DATABASE_URL: ownerUrl };
    const [a, b] = [
      new ApiInstance('api-a', await freePort(), urls.DATABASE_URL, logs, { MIGRATION_DATABASE_URL: ownerUrl }),
      new ApiInstance('api-b', await freePort(), urls.DATABASE_URL, logs, { MIGRATION_DATABASE_URL: ownerUrl }),
    ];
    cleanup.push(
      () => a.exit(),
      () => b.exit(),
    );
    await a.start(); // applies the migrations through HAProxy, as the owner; grants the API's role its rows
    await withDb(ownerUrl, (db) => seed(db, WALLETS));
    await b.start();
    await makeAdmin(urls);
    const instances = [a, b];
    const wallets = await logIn(instances, WALLETS);
    const adminCookie = await login(a.url, ADMIN.username, ADMIN.password);
    step(`two API instances through HAProxy, ${WALLETS} wallets seeded and logged in`);

    const load = new LoadClient(() => instances.map((instance) => instance.url), wallets, seededRandom(20261203).next);
    const audit = async () => {
      const response = await fetch(`${a.url}/v1/admin/ledger/audit`, { headers: { cookie: adminCookie } });
      return ((await response.json()) as { data: Record<string, unknown> }).data;
    };

    const failover = { killed: '', promoted: '', processes: 0, outageMs: 0, rejoinedMs: 0, problems: [] as string[] };
    const before = await withDb(ownerUrl, countEntries);
    const started = Date.now();
    const sent = await load.run(
      {
        round: 'fo',
        seconds: ROUND_SECONDS,
        concurrency: CONCURRENCY,
        maxRequests: 8_000,
        attemptTimeoutMs: 30_000,
        drainSeconds: 40,
      },
      FAULT_AT_MS,
      async () => {
        const primary = await cluster.primary();
        failover.killed = `node${primary + 1}`;
        const killedAt = Date.now();
        failover.processes = cluster.kill(primary);
        step(`SIGKILL of ${failover.killed} (its keeper, postmaster and ${failover.processes - 1} backends)`);
        await sleep(200);
        for (;;) {
          failover.promoted = (await cluster.writable()) ?? '';
          if (failover.promoted) break;
          if (Date.now() - killedAt > 90_000) {
            failover.problems.push('no writable primary within 90 s of the kill');
            return;
          }
          await sleep(200);
        }
        failover.outageMs = Date.now() - killedAt;
        step(`writable primary again after ${(failover.outageMs / 1000).toFixed(1)} s: ${failover.promoted}`);
        await sleep(3_000);
        const rejoinAt = Date.now();
        cluster.rejoin(primary);
        for (;;) {
          const states = await cluster.states().catch(() => []);
          if (states.some((node) => node.name === failover.killed && node.reported === 'secondary')) break;
          if (Date.now() - rejoinAt > 90_000) {
            failover.problems.push(
              `${failover.killed} did not rejoin as secondary within 90 s: ${JSON.stringify(states)}`,
            );
            return;
          }
          await sleep(250);
        }
        failover.rejoinedMs = Date.now() - rejoinAt;
        step(`${failover.killed} rejoined as the secondary in ${(failover.rejoinedMs / 1000).toFixed(1)} s`);
      },
    );
    const report = await withDb(ownerUrl, (db) =>
      verifyRound(
        db,
        `Failover: SIGKILL of the primary node at ${FAULT_AT_MS / 1000} s, the old primary rejoins`,
        Math.round((Date.now() - started) / 1000),
        sent,
        before,
        audit,
      ),
    );
    report.problems.push(...failover.problems);
    if (!failover.promoted || failover.promoted === failover.killed) {
      report.problems.push(`the primary after the failover is ${failover.promoted}, ${failover.killed} was killed`);
    }
    printRound(report);

    const header = [
      'sent',
      'retried',
      '503s',
      '500s',
      's without a writable primary',
      'rejoin s',
      'lost',
      'duplicated',
      'checks',
    ];
    const row = [
      String(report.sent),
      String(report.retried),
      String(report.attempts.get(503) ?? 0),
      String(report.attempts.get(500) ?? 0),
      (failover.outageMs / 1000).toFixed(1),
      (failover.rejoinedMs / 1000).toFixed(1),
      String(report.lost),
      String(report.duplicated),
      report.problems.length ? 'FAILED' : 'ok',
    ];
    console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n| ${row.join(' | ')} |`);
    passed = report.problems.length === 0;
    console.log(`\nfailover suite ${passed ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - startedAt) / 1000)} s`);
    return passed ? 0 : 1;
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    if (passed && process.env.FAILOVER_KEEP_LOGS !== '1') rmSync(work, { recursive: true, force: true });
    else console.log(`logs kept in ${logs}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
