/**
 * `make bench`: the service measured against its yardsticks (pgbench on the
 * plain SQL of one keyed transfer, a bare Express "hello world") and the
 * seed's design, side by side in one run, with issue 18's targets computed
 * from the run's own figures. See docs/PERFORMANCE.md.
 *
 *   BENCH_QUICK=1   a short run (CI keeps the bench working with it; asserts nothing)
 *   DATABASE_URL    bench on that server (a fresh database is created on it);
 *                   otherwise an embedded PostgreSQL is started and removed.
 */
import { hash } from '@node-rs/argon2';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort, openBenchDatabase } from './database';
import { type ApiProcess, login, startApi, startBareExpress } from './api-process';
import { sampleServerCpu, startBenchReplica } from './replica';
import { type LoadResult, runLoad } from './load';
import { runPgbench, type PgbenchResult } from './pgbench';
import { round, waitForIdle } from './process-stats';
import { BENCH_PASSWORD, benchUuid, hashSeededChains, seedFundedWallets, seedHistoryWallet } from './seed';
import { seedDesignBalanceMs } from './seed-design';
import { BARE_EXPRESS, HEALTHCHECK, type LoneDeposits, type ReplicaRead, VIA_PGBOUNCER, writeReport } from './report';
import { ensurePgBouncer, startPgBouncer } from '../libs/testing/src/pgbouncer';

const QUICK = process.env.BENCH_QUICK === '1';
/**
 * transferConcurrency: the random-pairs transfer scenarios (c=1: a lone client,
 * whose latency the group commit must not make worse); pgbenchConcurrency:
 * those also run by pgbench on transfer.sql (256 clients would not fit in the
 * server's max_connections); hotConcurrency: the hot-wallet scenario and its
 * pgbench run on transfer-hot.sql; lightConcurrency: GET /healthcheck, the
 * bare Express and the reads.
 */
const SHARED = { transferConcurrency: [1, 8, 32, 64, 256], pgbenchConcurrency: [1, 8, 32, 64], hotConcurrency: 32 };
/** The random-pairs transfers run again by a second API process through PgBouncer (transaction mode), side by side. */
const BOUNCER_CONCURRENCY = process.env.BENCH_QUICK === '1' ? [8, 32] : [8, 32, 64];
const SETTINGS = QUICK
  ? {
      ...SHARED,
      wallets: 2_000,
      sessions: 32,
      seconds: 2,
      warmUpSeconds: 1,
      histories: [1_000, 10_000, 50_000],
      lightConcurrency: 16,
    }
  : {
      ...SHARED,
      wallets: 10_000,
      sessions: 64,
      seconds: 10,
      warmUpSeconds: 5,
      histories: [1_000, 100_000, 1_000_000],
      lightConcurrency: 16,
    };
if (process.env.BENCH_SECONDS) SETTINGS.seconds = Number(process.env.BENCH_SECONDS);
const MAX_REQUESTS = 200_000;
/** BENCH_ONLY=<regex>: run only the scenarios (and pgbench runs, `transfer.sql c1`) whose name matches (profiling, iterating). */
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadAverageAtStart = loadavg().map((l) => round(l, 2));
  const log = (line: string) => console.log(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${line}`);
  const bench = await openBenchDatabase('bench', log);
  const { db, url: databaseUrl } = bench;
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  try {
    const passwordHash = await hash(BENCH_PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    log(`seeding ${SETTINGS.wallets} funded wallets`);
    await seedFundedWallets(db, SETTINGS.wallets, '1000000.00', passwordHash);
    const histories: { size: number; username: string; walletId: string }[] = [];
    for (const size of SETTINGS.histories) {
      log(`seeding a wallet with ${size} operations`);
      histories.push({ size, ...(await seedHistoryWallet(db, String(size), size, passwordHash)) });
    }
    log('hashing the seeded chains');
    await hashSeededChains(db);
    await db.query('vacuum analyze');
    // Flush the seed's dirty pages now: otherwise a checkpoint spread over the next minutes writes them under the scenarios.
    await db.query('checkpoint');

    api = await startApi(databaseUrl, await freePort());
    log(`API started (pid ${api.pid}); logging in ${SETTINGS.sessions + 1} users`);
    const sessions: string[] = [];
    for (let n = 1; n <= SETTINGS.sessions; n++) sessions.push(await login(api.url, `bench-${n}`, BENCH_PASSWORD));
    const hotSession = await login(api.url, `bench-${SETTINGS.sessions + 1}`, BENCH_PASSWORD);
    const historySessions = await Promise.all(histories.map((h) => login(api!.url, h.username, BENCH_PASSWORD)));

    const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)];
    const randomWallet = (not: number) => {
      const n = 1 + ((not + Math.floor(Math.random() * (SETTINGS.wallets - 1))) % SETTINGS.wallets);
      return benchUuid(2, n);
    };
    const results: LoadResult[] = [];
    const selected = (name: string, connections: number) => !ONLY || ONLY.test(`${name} c${connections}`);
    const load = async (
      name: string,
      connections: number,
      plan: Parameters<typeof runLoad>[3],
      options: {
        money?: boolean;
        target?: { url: string; pid: number; process: 'bare express' };
        /** Another API process than the run's (the one reading from a replica). */
        api?: ApiProcess;
      } = {},
    ): Promise<LoadResult | undefined> => {
      if (!selected(name, connections)) return undefined;
      const apiProcess = options.api ?? api!;
      const target = options.target ?? { url: apiProcess.url, pid: apiProcess.pid, process: 'api' as const };
      const result = await runLoad(name, target.url, target.pid, plan, {
        connections,
        seconds: SETTINGS.seconds,
        maxRequests: MAX_REQUESTS,
        money: options.money,
        metricsUrl: options.target ? undefined : apiProcess.metricsUrl,
        process: target.process,
      });
      results.push(result);
      log(
        `   ${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, ` +
          `errors ${result.errors}, CPU ${result.cpuMsPerOk ?? 'n/a'} ms per 2xx (started after ${result.settleMs} ms to idle)`,
      );
      return result;
    };

    const bareName = BARE_EXPRESS;
    if (selected(bareName, SETTINGS.lightConcurrency)) {
      log(`0. a bare Express "hello world" in its own process, c=${SETTINGS.lightConcurrency}`);
      const bare = await startBareExpress(await freePort());
      try {
        await load(
          bareName,
          SETTINGS.lightConcurrency,
          { method: 'GET', next: () => ({ path: '/' }) },
          { target: { url: bare.url, pid: bare.pid, process: 'bare express' } },
        );
      } finally {
        await bare.stop();
      }
    }
    // c=1 too: what a lone client pays for the framework alone (issue 18: a lone transfer's floor).
    for (const connections of [SETTINGS.lightConcurrency, 1]) {
      log(`0. GET /healthcheck, c=${connections}`);
      await load(HEALTHCHECK, connections, { method: 'GET', next: () => ({ path: '/healthcheck' }) });
    }

    const randomPairs: Parameters<typeof runLoad>[3] = {
      method: 'POST',
      next: () => {
        const source = Math.floor(Math.random() * SETTINGS.sessions);
        return {
          path: '/v1/wallets/transfer',
          cookie: sessions[source],
          body: { destination: randomWallet(source + 1), amount: '0.01' },
          idempotent: true,
        };
      },
    };
    if (!ONLY || ONLY.test('transfer')) {
      // Not measured: the API's money path compiled by the JIT and its pool's connections opened (each with
      // its prepared statements), so that the first scenario measures what the others do, a warm process.
      log(`1. warm-up: transfers between random wallets, c=32, ${SETTINGS.warmUpSeconds} s (not reported)`);
      await runLoad('warm-up', api.url, api.pid, randomPairs, {
        connections: 32,
        seconds: SETTINGS.warmUpSeconds,
        maxRequests: MAX_REQUESTS,
        process: 'api',
      });
    }
    for (const connections of SETTINGS.transferConcurrency) {
      log(`1. transfers between random wallets, c=${connections}`);
      await load('transfer, random pairs', connections, randomPairs, { money: true });
    }
    if (!ONLY || ONLY.test(VIA_PGBOUNCER)) {
      // Issue 16: the same keyed transfers from an API behind PgBouncer 1.18 in transaction mode (stock pool size
      // 20; the API's pools take 16), DB_POOLER=pgbouncer-transaction: nothing prepared by name, no startup
      // parameters (the CLI's migration made the timeouts the role's defaults). The direct API idles meanwhile.
      const found = ensurePgBouncer((line) => log(line));
      if ('skipped' in found) {
        log(`1b. keyed transfers through PgBouncer skipped: ${found.skipped}`);
      } else {
        const direct = new URL(databaseUrl);
        const bouncer = await startPgBouncer({
          serverHost: direct.hostname,
          serverPort: Number(direct.port || 5432),
          users: { [decodeURIComponent(direct.username)]: decodeURIComponent(direct.password) },
        });
        const pooled = await startApi(bouncer.pooled(databaseUrl), await freePort(), {
          DB_POOLER: 'pgbouncer-transaction',
        });
        try {
          log(`1b. warm-up through PgBouncer, c=32, ${SETTINGS.warmUpSeconds} s (not reported)`);
          await runLoad('warm-up', pooled.url, pooled.pid, randomPairs, {
            connections: 32,
            seconds: SETTINGS.warmUpSeconds,
            maxRequests: MAX_REQUESTS,
            process: 'api',
          });
          for (const connections of BOUNCER_CONCURRENCY) {
            log(`1b. transfers between random wallets through PgBouncer, c=${connections}`);
            const result = await runLoad(VIA_PGBOUNCER, pooled.url, pooled.pid, randomPairs, {
              connections,
              seconds: SETTINGS.seconds,
              maxRequests: MAX_REQUESTS,
              money: true,
              metricsUrl: pooled.metricsUrl,
              process: 'api',
            });
            results.push(result);
            log(
              `   ${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, ` +
                `errors ${result.errors}, CPU ${result.cpuMsPerOk ?? 'n/a'} ms per 2xx`,
            );
          }
        } finally {
          await pooled.stop();
          await bouncer.stop();
        }
      }
    }
    log(`2. transfers out of one hot wallet, c=${SETTINGS.hotConcurrency}`);
    await load(
      'transfer, one hot source',
      SETTINGS.hotConcurrency,
      {
        method: 'POST',
        next: () => ({
          path: '/v1/wallets/transfer',
          cookie: hotSession,
          body: { destination: randomWallet(SETTINGS.sessions + 1), amount: '0.01' },
          idempotent: true,
        }),
      },
      { money: true },
    );
    log('3. deposits, c=32');
    await load(
      'deposit',
      32,
      {
        method: 'POST',
        next: () => ({
          path: '/v1/wallets/deposit',
          cookie: pick(sessions),
          body: { amount: '0.01' },
          idempotent: true,
        }),
      },
      { money: true },
    );
    for (const [index, history] of histories.entries()) {
      log(`4. balance read, ${history.size} operations`);
      const balanceRead: Parameters<typeof runLoad>[3] = {
        method: 'GET',
        next: () => ({ path: '/v1/wallets', cookie: historySessions[index] }),
      };
      await load(`balance read, ${history.size} ops`, SETTINGS.lightConcurrency, balanceRead);
      // A lone client's authenticated read (session and wallet, one statement each): beside the lone transfer.
      if (index === 0) await load(`balance read, ${history.size} ops`, 1, balanceRead);
      await load(`balance at a moment, ${history.size} ops`, SETTINGS.lightConcurrency, {
        method: 'GET',
        next: () => {
          const second = 1 + Math.floor(Math.random() * history.size);
          const at = new Date(Date.UTC(2026, 0, 1) + second * 1000).toISOString();
          return { path: `/v1/wallets?at=${at}`, cookie: historySessions[index] };
        },
      });
    }
    const deepest = histories.at(-1)!;
    log(`5. one page (limit 100) deep inside ${deepest.size} operations`);
    const cursor = (sequence: number) =>
      Buffer.from(JSON.stringify({ w: deepest.walletId, o: 'desc', s: sequence })).toString('base64url');
    const deepPages: Parameters<typeof runLoad>[3] = {
      method: 'GET',
      next: () => ({
        path: `/v1/wallets/operations?limit=100&cursor=${cursor(Math.floor(deepest.size / 4 + Math.random() * (deepest.size / 2)))}`,
        cookie: historySessions.at(-1)!,
      }),
    };
    await load(`page of 100, deep in ${deepest.size} ops`, SETTINGS.lightConcurrency, deepPages);

    log('yardsticks: pgbench on the SQL of one keyed transfer (transfer.sql), and its hot-wallet variant');
    const ceilings: PgbenchResult[] = [];
    const pgbench = async (script: string, connections: number, variables: Record<string, number> = {}) => {
      const result = await runPgbench(databaseUrl, {
        script,
        connections,
        seconds: SETTINGS.seconds,
        variables: { wallets: SETTINGS.wallets, ...variables },
      });
      ceilings.push(result);
      log(`   ${script} c=${connections}: ${result.transactionsPerSecond ?? result.note} tx/s`);
    };
    await waitForIdle(api.pid); // the last scenario's in-flight requests served first
    for (const connections of SETTINGS.pgbenchConcurrency) {
      if (selected('transfer.sql', connections)) await pgbench('transfer.sql', connections);
    }
    // The hot wallet is the HTTP scenario's payer: user and wallet number sessions + 1.
    if (!ONLY) await pgbench('transfer-hot.sql', SETTINGS.hotConcurrency, { hot: SETTINGS.sessions + 1 });

    log("seed design: the wallet's amounts summed in the application on each read");
    const seedDesign: { size: number; msPerRead: number }[] = [];
    for (const history of ONLY ? [] : histories) {
      seedDesign.push({
        size: history.size,
        msPerRead: await seedDesignBalanceMs(db, history.walletId, 200, QUICK ? 2_000 : 8_000),
      });
    }

    // Last, so that the standby's replay and polls cost the other scenarios nothing.
    const replicaReads: ReplicaRead[] = [];
    let loneDeposits: LoneDeposits | undefined;
    let replicaNote: string | undefined;
    const withoutReplica = `history page, primary only, deep in ${deepest.size} ops`;
    const withReplica = `history page, routed to a replica, deep in ${deepest.size} ops`;
    if (!bench.embedded) {
      replicaNote =
        "skipped: with DATABASE_URL the bench makes no standby (it copies the embedded server's data directory)";
    } else if (
      selected(withoutReplica, SETTINGS.lightConcurrency) ||
      selected(withReplica, SETTINGS.lightConcurrency)
    ) {
      log('6. history pages with and without a replica: a hot standby of the bench database, then the same pages');
      const replica = await startBenchReplica(bench);
      let routedApi: ApiProcess | undefined;
      try {
        // Each process warmed with the same pages first (not reported): the routed one is a fresh process.
        const warm = (target: ApiProcess) =>
          runLoad('warm-up', target.url, target.pid, deepPages, {
            connections: SETTINGS.lightConcurrency,
            seconds: SETTINGS.warmUpSeconds,
            maxRequests: MAX_REQUESTS,
            process: 'api',
          });
        const measured = async (name: string, target: ApiProcess) => {
          await warm(target);
          const routed = async () => routedReads(await (await fetch(`${target.metricsUrl}/metrics`)).text());
          const cpu = { primary: sampleServerCpu(replica.primaryPid), replica: sampleServerCpu(replica.replicaPid) };
          const routedBefore = await routed();
          const result = await load(name, SETTINGS.lightConcurrency, deepPages, { api: target });
          const [primaryMs, replicaMs] = [cpu.primary.stop(), cpu.replica.stop()];
          if (!result) return;
          const routedAfter = await routed();
          const ok = Math.max(1, result.status2xx);
          replicaReads.push({
            scenario: name,
            primaryCpuMsPerOk: round(primaryMs / ok, 3),
            replicaCpuMsPerOk: round(replicaMs / ok, 3),
            routedToPrimary: routedAfter.primary - routedBefore.primary,
            routedToReplica: routedAfter.replica - routedBefore.replica,
          });
        };
        await measured(withoutReplica, api);
        routedApi = await startApi(databaseUrl, await freePort(), { DATABASE_REPLICA_URLS: replica.url });
        await measured(withReplica, routedApi);
        // The write path's share: with replicas, each committed batch reads the primary's WAL position once more
        // (and the answer carries it in a cookie). One lone client, its deposits sent to the two processes in
        // turn, so that the machine's load drifts alike under both.
        log('6. lone-client deposits, alternately without and with replicas configured');
        loneDeposits = await alternateLoneDeposits(api, routedApi, sessions[0], QUICK ? 300 : 2_000);
      } finally {
        await routedApi?.stop();
        await replica.close();
      }
    }

    const report = writeReport({
      mode: QUICK ? 'quick' : 'full',
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${round(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`,
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL',
      settings: SETTINGS,
      results,
      ceilings,
      seedDesign,
      replicaReads,
      replicaNote,
      loneDeposits,
      durationSeconds: round((Date.now() - startedAt) / 1000, 0),
      loadAverage: { start: loadAverageAtStart, end: loadavg().map((l) => round(l, 2)) },
    });
    console.log(`\n${report}`);
  } finally {
    await api?.stop();
    await bench.close();
  }
}

/**
 * `rounds` deposits to each process, one at a time, in turn (no batching: a lone client): their latency
 * percentiles, as the client sees them (keep-alive connections, one per process).
 */
async function alternateLoneDeposits(
  without: ApiProcess,
  routed: ApiProcess,
  cookie: string,
  rounds: number,
): Promise<LoneDeposits> {
  const times: Record<'without' | 'with', number[]> = { without: [], with: [] };
  const send = async (target: ApiProcess, n: number) => {
    const started = process.hrtime.bigint();
    const response = await fetch(`${target.url}/v1/wallets/deposit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'idempotency-key': `lone-${target.pid}-${n}` },
      body: JSON.stringify({ amount: '0.01' }),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`a lone deposit answered ${response.status}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  for (let n = 0; n < rounds; n++) {
    times.without.push(await send(without, n));
    times.with.push(await send(routed, n));
  }
  const percentile = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))], 3);
  };
  const summary = (values: number[]) => ({ p50Ms: percentile(values, 50), p90Ms: percentile(values, 90) });
  return { rounds, without: summary(times.without), with: summary(times.with) };
}

/** db_routed_reads_total of one API process, by target. */
function routedReads(metrics: string): { primary: number; replica: number } {
  const count = (target: string) =>
    Number(new RegExp(`^db_routed_reads_total\\{target="${target}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
  return { primary: count('primary'), replica: count('replica') };
}

mkdirSync(join(__dirname, 'results'), { recursive: true });

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
