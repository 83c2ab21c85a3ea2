import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './load';
import type { PgbenchResult } from './pgbench';
import { round } from './process-stats';

export interface BenchRun {
  mode: 'quick' | 'full';
  machine: string;
  database: string;
  settings: {
    wallets: number;
    sessions: number;
    seconds: number;
    histories: number[];
    transferConcurrency: number[];
    pgbenchConcurrency: number[];
    hotConcurrency: number;
    lightConcurrency: number;
  };
  results: LoadResult[];
  ceilings: PgbenchResult[];
  seedDesign: { size: number; msPerRead: number }[];
  /** History pages with and without a replica (issue 16): PostgreSQL CPU per page on each server, where reads went. */
  replicaReads: ReplicaRead[];
  /** Why the replica scenarios did not run, when they did not. */
  replicaNote?: string;
  loneDeposits?: LoneDeposits;
  durationSeconds: number;
  /** os.loadavg() (1, 5, 15 min) when the run started and when it ended: how quiet the machine was. */
  loadAverage: { start: number[]; end: number[] };
}

/** Lone-client deposits sent alternately to an API without replicas and one with (the WAL position read). */
export interface LoneDeposits {
  rounds: number;
  without: { p50Ms: number; p90Ms: number };
  with: { p50Ms: number; p90Ms: number };
}

export interface ReplicaRead {
  scenario: string;
  /** CPU ms of the primary's processes (postmaster, backends) per 2xx, over the scenario. */
  primaryCpuMsPerOk: number;
  /** The same on the standby (its backends and its WAL replay). */
  replicaCpuMsPerOk: number;
  /** db_routed_reads_total of the API process over the scenario. */
  routedToPrimary: number;
  routedToReplica: number;
}

/** One row of issue 18's targets table, computed from this run's figures only. */
export interface Target {
  figure: string;
  /** The figure as printed ("n/a" when a scenario or yardstick of it did not run). */
  value: string;
  target: string;
  /** null when the figure could not be computed in this run. */
  met: boolean | null;
}

/** Names shared with run.ts. */
export const BARE_EXPRESS = 'bare Express hello-world (own process)';
export const HEALTHCHECK = 'GET /healthcheck';
export const VIA_PGBOUNCER = 'transfer, random pairs, through PgBouncer';

const ratio = (a: number | null | undefined, b: number | null | undefined, digits = 2) =>
  a && b ? round(a / b, digits) : null;

/** Keyed transfers direct and through PgBouncer (transaction mode), side by side, when the run has both. */
function bouncerTable(run: BenchRun, direct: (c: number) => LoadResult | undefined): string[] {
  const pooled = run.results.filter((r) => r.scenario === VIA_PGBOUNCER);
  if (pooled.length === 0) return [];
  return [
    '| keyed transfers, random pairs | conc. | direct req/s | PgBouncer req/s | PgBouncer ÷ direct | p50 ms direct / PgBouncer | p99 ms direct / PgBouncer | CPU ms per 2xx direct / PgBouncer | PgBouncer 5xx |',
    '|---|---:|---:|---:|---:|---|---|---|---:|',
    ...pooled.map((p) => {
      const d = direct(p.connections);
      return (
        `| direct vs PgBouncer 1.18 (transaction mode) | ${p.connections} | ${d?.requestsPerSecond ?? 'n/a'} | ${p.requestsPerSecond} | ` +
        `${ratio(p.requestsPerSecond, d?.requestsPerSecond) ?? 'n/a'} | ${d?.p50Ms ?? 'n/a'} / ${p.p50Ms} | ${d?.p99Ms ?? 'n/a'} / ${p.p99Ms} | ` +
        `${d?.cpuMsPerOk ?? 'n/a'} / ${p.cpuMsPerOk ?? 'n/a'} | ${p.status5xx} |`
      );
    }),
    '',
    'Direct: named prepared statements, timeouts as startup parameters. PgBouncer: DB_POOLER=pgbouncer-transaction ' +
      "(statements unnamed, the timeouts the role's defaults), PgBouncer's stock pool of 20 server connections.",
    '',
  ];
}

/** The replica scenarios side by side: with ÷ without. */
function replicaRatios(run: BenchRun): {
  replicaPagesPerSecond: number | null;
  replicaApiCpuPerPage: number | null;
  replicaPrimaryCpuPerPage: number | null;
} {
  const [without, routed] = run.replicaReads;
  const load = (read?: ReplicaRead) => run.results.find((r) => r.scenario === read?.scenario);
  return {
    replicaPagesPerSecond: ratio(load(routed)?.requestsPerSecond, load(without)?.requestsPerSecond),
    replicaApiCpuPerPage: ratio(load(routed)?.cpuMsPerOk, load(without)?.cpuMsPerOk),
    // 0 is a figure here (the primary's CPU per page under the tick's resolution), not a missing one.
    replicaPrimaryCpuPerPage:
      routed && without?.primaryCpuMsPerOk ? round(routed.primaryCpuMsPerOk / without.primaryCpuMsPerOk, 2) : null,
  };
}

/** Writes bench/results/latest-<mode>.{md,json} and returns the markdown. */
export function writeReport(run: BenchRun): string {
  const find = (scenario: string, connections?: number) =>
    run.results.find((r) => r.scenario === scenario && (connections === undefined || r.connections === connections));
  const pgbench = (script: string, connections: number) =>
    run.ceilings.find((p) => p.script === script && p.connections === connections)?.transactionsPerSecond;
  const transfer = (c: number) => find('transfer, random pairs', c);
  const smallest = Math.min(...run.settings.histories);
  const largest = Math.max(...run.settings.histories);
  const readSmall = find(`balance read, ${smallest} ops`, run.settings.lightConcurrency);
  const readLarge = find(`balance read, ${largest} ops`, run.settings.lightConcurrency);
  const seedLarge = run.seedDesign.find((s) => s.size === largest);
  const msPerRead = (r?: LoadResult) => (r && r.requestsPerSecond ? 1000 / r.requestsPerSecond : null);
  const apiResults = run.results.filter((r) => r.process === 'api');
  const hot = find('transfer, one hot source', run.settings.hotConcurrency);
  const health = find(HEALTHCHECK, run.settings.lightConcurrency);
  const bare = find(BARE_EXPRESS);
  const t1 = transfer(1);
  const t32 = transfer(32);
  const t256 = transfer(256);
  const pgbenchLone = run.ceilings.find((p) => p.script === 'transfer.sql' && p.connections === 1);

  const ratios = {
    httpTransfersOverPgbench: Object.fromEntries(
      run.settings.pgbenchConcurrency.map((c) => [
        `c${c}`,
        ratio(transfer(c)?.requestsPerSecond, pgbench('transfer.sql', c)),
      ]),
    ),
    loneTransferP50OverPgbenchLatency: ratio(t1?.p50Ms, pgbenchLone?.latencyMs ?? undefined),
    hotOverPgbenchHot: ratio(hot?.requestsPerSecond, pgbench('transfer-hot.sql', run.settings.hotConcurrency)),
    healthcheckOverBareExpress: ratio(health?.requestsPerSecond, bare?.requestsPerSecond),
    balanceReadOverHealthcheck: ratio(readSmall?.requestsPerSecond, health?.requestsPerSecond),
    depositsOverTransfersC32: ratio(find('deposit', 32)?.requestsPerSecond, t32?.requestsPerSecond),
    balanceReadTimeLargestOverSmallest: ratio(msPerRead(readLarge), msPerRead(readSmall)),
    seedSumOverOurReadAtLargest: ratio(seedLarge?.msPerRead, msPerRead(readLarge), 0),
    pgbouncerOverDirect: Object.fromEntries(
      run.results
        .filter((r) => r.scenario === VIA_PGBOUNCER)
        .map((r) => [`c${r.connections}`, ratio(r.requestsPerSecond, transfer(r.connections)?.requestsPerSecond)]),
    ),
    ...replicaRatios(run),
    maxApiRssMb: apiResults.length ? Math.max(...apiResults.map((r) => r.api.maxRssMb)) : null,
  };

  const na = 'n/a';
  const atLeast = (value: number | null | undefined, min: number): Target['met'] =>
    value === null || value === undefined ? null : value >= min;
  const atMost = (value: number | null | undefined, max: number): Target['met'] =>
    value === null || value === undefined ? null : value <= max;
  const targets: Target[] = [
    {
      figure: 'transfer p50 at c=1 ÷ pgbench `transfer.sql` latency at c=1',
      value:
        ratios.loneTransferP50OverPgbenchLatency !== null
          ? `${ratios.loneTransferP50OverPgbenchLatency} (${t1?.p50Ms} ms ÷ ${pgbenchLone?.latencyMs} ms)`
          : na,
      target: '≤ 1.5',
      met: atMost(ratios.loneTransferP50OverPgbenchLatency, 1.5),
    },
    {
      figure: 'API CPU per transfer (c=1)',
      value: t1?.cpuMsPerOk !== null && t1?.cpuMsPerOk !== undefined ? `${t1.cpuMsPerOk} ms` : na,
      target: '≤ 2 ms',
      met: atMost(t1?.cpuMsPerOk, 2),
    },
    {
      figure: 'keyed transfers/s at c=32 ÷ pgbench of `transfer.sql` at c=32',
      value:
        ratios.httpTransfersOverPgbench.c32 !== null && ratios.httpTransfersOverPgbench.c32 !== undefined
          ? `${ratios.httpTransfersOverPgbench.c32} (${t32?.requestsPerSecond} ÷ ${pgbench('transfer.sql', 32)})`
          : na,
      target: '≥ 1.0',
      met: atLeast(ratios.httpTransfersOverPgbench.c32, 1.0),
    },
    {
      figure: `one hot source wallet over HTTP ÷ pgbench of the hot variant (c=${run.settings.hotConcurrency})`,
      value:
        ratios.hotOverPgbenchHot !== null
          ? `${ratios.hotOverPgbenchHot} (${hot?.requestsPerSecond} ÷ ${pgbench('transfer-hot.sql', run.settings.hotConcurrency)})`
          : na,
      target: '≥ 0.5',
      met: atLeast(ratios.hotOverPgbenchHot, 0.5),
    },
    {
      figure: 'p99 of keyed transfers at c=32',
      value: t32 ? `${t32.p99Ms} ms` : na,
      target: '≤ 50 ms',
      met: atMost(t32?.p99Ms, 50),
    },
    {
      figure: 'API CPU per keyed transfer (c=32)',
      value: t32?.cpuMsPerOk !== null && t32?.cpuMsPerOk !== undefined ? `${t32.cpuMsPerOk} ms` : na,
      target: '≤ 1.0 ms',
      met: atMost(t32?.cpuMsPerOk, 1.0),
    },
    {
      figure: '`GET /healthcheck` ÷ bare Express hello-world',
      value:
        ratios.healthcheckOverBareExpress !== null
          ? `${ratios.healthcheckOverBareExpress} (${health?.requestsPerSecond} ÷ ${bare?.requestsPerSecond})`
          : na,
      target: '≥ 0.5',
      met: atLeast(ratios.healthcheckOverBareExpress, 0.5),
    },
    {
      figure: `balance read (${smallest} ops) ÷ \`GET /healthcheck\``,
      value:
        ratios.balanceReadOverHealthcheck !== null
          ? `${ratios.balanceReadOverHealthcheck} (${readSmall?.requestsPerSecond} ÷ ${health?.requestsPerSecond})`
          : na,
      target: '≥ 0.7',
      met: atLeast(ratios.balanceReadOverHealthcheck, 0.7),
    },
    {
      figure: 'transfers at c=256',
      value: t256
        ? `${t256.errors} errors, ${t256.non2xx} non-2xx, ${t256.status5xx} 5xx, p99 ${t256.p99Ms} ms (${t256.requestsPerSecond}/s)`
        : na,
      target: 'no error, no 5xx, p99 ≤ 250 ms',
      met: t256 ? t256.errors === 0 && t256.non2xx === 0 && t256.status5xx === 0 && t256.p99Ms <= 250 : null,
    },
    {
      figure: 'API peak RSS under load',
      value: ratios.maxApiRssMb !== null ? `${ratios.maxApiRssMb} MB` : na,
      target: '≤ 200 MB',
      met: atMost(ratios.maxApiRssMb, 200),
    },
  ];

  const scripts: Record<string, string> = {
    'transfer.sql': 'pgbench -M prepared, `transfer.sql` (one keyed transfer, random pair)',
    'transfer-hot.sql': 'pgbench -M prepared, `transfer-hot.sql` (one keyed transfer out of the hot wallet)',
  };
  const batchCell = (r: LoadResult) =>
    r.batchSize ? (r.batchSize.mean === null ? r.batchSize.note : `${r.batchSize.mean} / ≤ ${r.batchSize.max}`) : '—';
  const lines = [
    `# Benchmark (${run.mode}) — ${new Date().toISOString()}`,
    '',
    `Machine: ${run.machine}; database: ${run.database}; ${run.settings.wallets} funded wallets, ` +
      `${run.settings.seconds} s per scenario; client, API and PostgreSQL on one machine; run took ${run.durationSeconds} s; ` +
      `load average (1, 5, 15 min) ${run.loadAverage.start.join(', ')} at the start, ${run.loadAverage.end.join(', ')} at the end.`,
    '',
    '| scenario | conc. | req/s | p50 ms | p99 ms | requests | errors | non-2xx | 5xx | RSS MB | CPU % | CPU ms per 2xx | batch size mean / max |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...run.results.map(
      (r) =>
        `| ${r.scenario} | ${r.connections} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.requests} | ${r.errors} | ` +
        `${r.non2xx} | ${r.status5xx} | ${r.api.maxRssMb} | ${r.api.cpuPercent} | ${r.cpuMsPerOk ?? na} | ${batchCell(r)} |`,
    ),
    '',
    "RSS (peak) and CPU are the API process's, except on the bare Express row: its own process. CPU ms per 2xx is the " +
      "process's utime + stime (/proc/<pid>/stat) over the scenario ÷ its 2xx responses.",
    '',
    '| reference | conc. | per second / ms per read |',
    '|---|---:|---:|',
    ...run.ceilings.map(
      (p) =>
        `| ${scripts[p.script] ?? `pgbench -M prepared, \`${p.script}\``} | ${p.connections} | ${p.transactionsPerSecond === null ? `n/a (${p.note})` : `${p.transactionsPerSecond} tx/s${p.latencyMs === null ? '' : `, ${p.latencyMs} ms a transaction`}`} |`,
    ),
    ...run.seedDesign.map((s) => `| seed design: all amounts summed per read, ${s.size} ops | 1 | ${s.msPerRead} ms |`),
    '',
    '| target (issue 18) | this run | target | met |',
    '|---|---|---|---|',
    ...targets.map((t) => `| ${t.figure} | ${t.value} | ${t.target} | ${t.met === null ? na : t.met ? 'yes' : 'no'} |`),
    '',
    '| ratio | value |',
    '|---|---:|',
    ...Object.entries(ratios.httpTransfersOverPgbench).map(
      ([c, v]) => `| HTTP transfers/s ÷ pgbench tx/s (transfer.sql), ${c} | ${v ?? na} |`,
    ),
    `| deposits/s ÷ transfers/s (c32) | ${ratios.depositsOverTransfersC32 ?? na} |`,
    `| balance read time at ${largest} ÷ at ${smallest} ops | ${ratios.balanceReadTimeLargestOverSmallest ?? na} |`,
    `| seed SUM time ÷ our read time at ${largest} ops | ${ratios.seedSumOverOurReadAtLargest ?? na} |`,
    `| peak API RSS (MB) | ${ratios.maxApiRssMb ?? na} |`,
    '',
    '## History pages with and without a replica',
    '',
    ...(run.replicaReads.length === 0
      ? [run.replicaNote ?? 'not run in this run.']
      : [
          '| scenario | req/s | p50 ms | p99 ms | API CPU ms per 2xx | primary PostgreSQL CPU ms per 2xx | replica PostgreSQL CPU ms per 2xx | reads routed primary / replica |',
          '|---|---:|---:|---:|---:|---:|---:|---|',
          ...run.replicaReads.map((r) => {
            const load = find(r.scenario);
            return (
              `| ${r.scenario} | ${load?.requestsPerSecond ?? na} | ${load?.p50Ms ?? na} | ${load?.p99Ms ?? na} | ` +
              `${load?.cpuMsPerOk ?? na} | ${r.primaryCpuMsPerOk} | ${r.replicaCpuMsPerOk} | ${r.routedToPrimary} / ${r.routedToReplica} |`
            );
          }),
          '',
          '| ratio (with the replica ÷ without) | value |',
          '|---|---:|',
          `| history pages per second | ${ratios.replicaPagesPerSecond ?? na} |`,
          `| API CPU per page (what routing costs the API) | ${ratios.replicaApiCpuPerPage ?? na} |`,
          `| primary PostgreSQL CPU per page (what is left on the primary) | ${ratios.replicaPrimaryCpuPerPage ?? na} |`,
          ...(run.loneDeposits
            ? [
                `| lone-client deposit p50, ${run.loneDeposits.rounds} each, sent in turn (the write path's WAL position read) | ` +
                  `${ratio(run.loneDeposits.with.p50Ms, run.loneDeposits.without.p50Ms)} ` +
                  `(${run.loneDeposits.with.p50Ms} ms ÷ ${run.loneDeposits.without.p50Ms} ms; p90 ${run.loneDeposits.with.p90Ms} ÷ ${run.loneDeposits.without.p90Ms}) |`,
              ]
            : []),
          '',
          'Primary and standby share the same 2 cores with the API and the load generator: the standby adds no capacity ' +
            'here, it shows where the work goes. The standby is a hot standby of the bench database made with the ' +
            "low-level base backup after the other scenarios; PostgreSQL CPU is its processes' utime + stime (/proc).",
        ]),
    '',
    `Read time is 1000 / req/s at ${run.settings.lightConcurrency} connections (amortised); the seed design is timed on one connection.`,
    '',
    ...bouncerTable(run, transfer),
  ];
  const markdown = lines.join('\n');
  const directory = join(__dirname, 'results');
  writeFileSync(join(directory, `latest-${run.mode}.md`), `${markdown}\n`);
  writeFileSync(
    join(directory, `latest-${run.mode}.json`),
    `${JSON.stringify({ ...run, ratios, targets, at: new Date().toISOString() }, null, 2)}\n`,
  );
  return markdown;
}
