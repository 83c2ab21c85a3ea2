/**
 * `make bench`: the service measured against its ceiling and the seed's
 * design, side by side in one run. See docs/PERFORMANCE.md.
 *
 *   BENCH_QUICK=1   a short run (CI keeps the bench working with it; asserts nothing)
 *   DATABASE_URL    bench on that server (a fresh database is created on it);
 *                   otherwise an embedded PostgreSQL is started and removed.
 */
import { hash } from '@node-rs/argon2';
import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort, openBenchDatabase } from './database';
import { login, startApi } from './api-process';
import { type LoadResult, runLoad } from './load';
import { runPgbench, type PgbenchResult } from './pgbench';
import { round } from './process-stats';
import { BENCH_PASSWORD, benchUuid, hashSeededChains, seedFundedWallets, seedHistoryWallet } from './seed';
import { seedDesignBalanceMs } from './seed-design';
import { writeReport } from './report';

const QUICK = process.env.BENCH_QUICK === '1';
const SETTINGS = QUICK
  ? { wallets: 2_000, sessions: 32, seconds: 2, histories: [1_000, 10_000, 50_000], transferConcurrency: [8, 32, 64] }
  : {
      wallets: 10_000,
      sessions: 64,
      seconds: 10,
      histories: [1_000, 100_000, 1_000_000],
      transferConcurrency: [8, 32, 64],
    };
if (process.env.BENCH_SECONDS) SETTINGS.seconds = Number(process.env.BENCH_SECONDS);
const MAX_REQUESTS = 200_000;
/** BENCH_ONLY=<regex>: run only the scenarios whose name matches, and no references (profiling, iterating). */
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;

async function main(): Promise<void> {
  const startedAt = Date.now();
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
    const load = async (name: string, connections: number, plan: Parameters<typeof runLoad>[3]) => {
      if (ONLY && !ONLY.test(`${name} c${connections}`)) return;
      const result = await runLoad(name, api!.url, api!.pid, plan, {
        connections,
        seconds: SETTINGS.seconds,
        maxRequests: MAX_REQUESTS,
      });
      results.push(result);
      log(
        `   ${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}`,
      );
    };

    for (const connections of SETTINGS.transferConcurrency) {
      log(`1. transfers between random wallets, c=${connections}`);
      await load('transfer, random pairs', connections, {
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
      });
    }
    log('2. transfers out of one hot wallet, c=32');
    await load('transfer, one hot source', 32, {
      method: 'POST',
      next: () => ({
        path: '/v1/wallets/transfer',
        cookie: hotSession,
        body: { destination: randomWallet(SETTINGS.sessions + 1), amount: '0.01' },
        idempotent: true,
      }),
    });
    log('3. deposits, c=32');
    await load('deposit', 32, {
      method: 'POST',
      next: () => ({
        path: '/v1/wallets/deposit',
        cookie: pick(sessions),
        body: { amount: '0.01' },
        idempotent: true,
      }),
    });
    for (const [index, history] of histories.entries()) {
      log(`4. balance read, ${history.size} operations`);
      await load(`balance read, ${history.size} ops`, 16, {
        method: 'GET',
        next: () => ({ path: '/v1/wallets', cookie: historySessions[index] }),
      });
      await load(`balance at a moment, ${history.size} ops`, 16, {
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
    await load(`page of 100, deep in ${deepest.size} ops`, 16, {
      method: 'GET',
      next: () => ({
        path: `/v1/wallets/operations?limit=100&cursor=${cursor(Math.floor(deepest.size / 4 + Math.random() * (deepest.size / 2)))}`,
        cookie: historySessions.at(-1)!,
      }),
    });

    log('ceiling: pgbench on the SQL of one transfer');
    const ceilings: PgbenchResult[] = [];
    for (const connections of ONLY ? [] : SETTINGS.transferConcurrency) {
      ceilings.push(
        await runPgbench(databaseUrl, { connections, seconds: SETTINGS.seconds, wallets: SETTINGS.wallets }),
      );
    }

    log("seed design: the wallet's amounts summed in the application on each read");
    const seedDesign: { size: number; msPerRead: number }[] = [];
    for (const history of ONLY ? [] : histories) {
      seedDesign.push({
        size: history.size,
        msPerRead: await seedDesignBalanceMs(db, history.walletId, 200, QUICK ? 2_000 : 8_000),
      });
    }

    const report = writeReport({
      mode: QUICK ? 'quick' : 'full',
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${round(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`,
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL',
      settings: SETTINGS,
      results,
      ceilings,
      seedDesign,
      durationSeconds: round((Date.now() - startedAt) / 1000, 0),
    });
    console.log(`\n${report}`);
  } finally {
    await api?.stop();
    await bench.close();
  }
}

mkdirSync(join(__dirname, 'results'), { recursive: true });

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
