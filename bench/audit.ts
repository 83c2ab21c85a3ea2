/**
 * The ledger audit (GET /v1/admin/ledger/audit) on the bench's largest
 * history: one wallet with AUDIT_OPERATIONS (default 1,000,000) operations and
 * their funding-wallet legs, plus AUDIT_WALLETS (default 2,000) funded wallets.
 * Prints the audit's wall time, operations per second and the API's RSS
 * before and at its peak during the audit. See docs/PERFORMANCE.md.
 *
 *   npm run build && node -r ts-node/register/transpile-only bench/audit.ts
 *
 *   DATABASE_URL      audit on that server (a fresh database is created and dropped);
 *                     otherwise an embedded PostgreSQL is started and removed.
 *   AUDIT_OPERATIONS  operations on the history wallet (default 1000000)
 *   AUDIT_WALLETS     funded wallets besides it (default 2000)
 *   AUDIT_RUNS        audits, each on a freshly started API (default 2)
 *   AUDIT_KEEP=1      keep the database afterwards (to investigate a failure; DATABASE_URL only)
 */
import { hash } from '@node-rs/argon2';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { freePort, openBenchDatabase } from './database';
import { login, startApi } from './api-process';
import { round } from './process-stats';
import { BENCH_PASSWORD, hashSeededChains, seedFundedWallets, seedHistoryWallet } from './seed';

const OPERATIONS = Number(process.env.AUDIT_OPERATIONS ?? 1_000_000);
const WALLETS = Number(process.env.AUDIT_WALLETS ?? 2_000);
const RUNS = Number(process.env.AUDIT_RUNS ?? 2);
const ADMIN = { username: 'bench-auditor', password: 'bench-auditor-password' };

interface AuditAnswer {
  balanced: boolean;
  chain_ok: boolean;
  operations_checked: number;
  wallets_checked: number;
  first_break: unknown;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const log = (line: string) => console.log(`[audit ${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${line}`);
  const bench = await openBenchDatabase('audit', log);
  const { db, url: databaseUrl } = bench;
  try {
    const passwordHash = await hash(BENCH_PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    if (WALLETS > 0) {
      log(`seeding ${WALLETS} funded wallets`);
      await seedFundedWallets(db, WALLETS, '1000000.00', passwordHash);
    }
    log(`seeding a wallet with ${OPERATIONS} operations`);
    await seedHistoryWallet(db, String(OPERATIONS), OPERATIONS, passwordHash);
    log('hashing the seeded chains');
    await hashSeededChains(db);
    await db.query('vacuum analyze');
    execFileSync(process.execPath, ['dist/apps/cli/src/main.js', 'admin'], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
      },
      stdio: 'ignore',
    });
    const [{ count }] = (await db.query<{ count: string }>('select count(*)::text as count from operations')).rows;
    const expected = Number(count);
    log(`seeded: ${expected} operations in all`);

    const results: { seconds: number; opsPerSecond: number; rssBeforeMb: number; peakRssMb: number; hwmMb: number }[] =
      [];
    for (let run = 1; run <= RUNS; run++) {
      const api = await startApi(databaseUrl, await freePort());
      try {
        const cookie = await login(api.url, ADMIN.username, ADMIN.password);
        const rssBeforeMb = memory(api.pid).rssMb;
        let peakRssMb = rssBeforeMb;
        const sampler = setInterval(() => {
          try {
            peakRssMb = Math.max(peakRssMb, memory(api.pid).rssMb);
          } catch {
            // the process ended; keep what was seen
          }
        }, 100);
        log(`run ${run}: API pid ${api.pid}, RSS ${round(rssBeforeMb, 1)} MB; auditing`);
        const t0 = process.hrtime.bigint();
        let response: Response;
        try {
          // The audit may outlast undici's default 300 s header timeout only if something is badly wrong.
          response = await fetch(`${api.url}/v1/admin/ledger/audit`, { headers: { cookie } });
        } finally {
          clearInterval(sampler);
        }
        const body = await response.text();
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const { rssMb, hwmMb } = memory(api.pid);
        peakRssMb = Math.max(peakRssMb, rssMb);
        if (!response.ok)
          throw new Error(`the audit answered ${response.status} after ${seconds.toFixed(1)} s: ${body}`);
        const answer = (JSON.parse(body) as { data: AuditAnswer }).data;
        if (!answer.chain_ok || !answer.balanced || answer.operations_checked !== expected) {
          throw new Error(`the audit is not clean (expected ${expected} operations): ${body}`);
        }
        const result = {
          seconds: round(seconds, 2),
          opsPerSecond: Math.round(expected / seconds),
          rssBeforeMb: round(rssBeforeMb, 1),
          peakRssMb: round(peakRssMb, 1),
          hwmMb: round(hwmMb, 1),
        };
        results.push(result);
        log(
          `run ${run}: clean (${answer.operations_checked} operations, ${answer.wallets_checked} wallets) in ${result.seconds} s, ` +
            `${result.opsPerSecond} ops/s; API RSS ${result.rssBeforeMb} MB before, peak ${result.peakRssMb} MB (VmHWM ${result.hwmMb} MB)`,
        );
      } finally {
        await api.stop();
      }
    }
    console.log(
      `\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${round(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}; ` +
        `database: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}; ${expected} operations`,
    );
    console.log('| run | wall time (s) | ops/s | API RSS before (MB) | API RSS peak (MB) | VmHWM (MB) |');
    console.log('|---|---|---|---|---|---|');
    results.forEach((r, i) =>
      console.log(`| ${i + 1} | ${r.seconds} | ${r.opsPerSecond} | ${r.rssBeforeMb} | ${r.peakRssMb} | ${r.hwmMb} |`),
    );
  } finally {
    const keep = process.env.AUDIT_KEEP === '1' && process.env.DATABASE_URL !== undefined;
    if (keep) log(`kept database ${bench.name}`);
    await bench.close({ keep });
  }
}

/** VmRSS and VmHWM (the kernel's peak RSS of the process's lifetime) in MB. */
function memory(pid: number): { rssMb: number; hwmMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
