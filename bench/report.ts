import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './load';
import type { PgbenchResult } from './pgbench';
import { round } from './process-stats';

export interface BenchRun {
  mode: 'quick' | 'full';
  machine: string;
  database: string;
  settings: { wallets: number; sessions: number; seconds: number; histories: number[]; transferConcurrency: number[] };
  results: LoadResult[];
  ceilings: PgbenchResult[];
  seedDesign: { size: number; msPerRead: number }[];
  durationSeconds: number;
}

const ratio = (a: number | null | undefined, b: number | null | undefined, digits = 2) =>
  a && b ? round(a / b, digits) : null;

/** Writes bench/results/latest-<mode>.{md,json} and returns the markdown. */
export function writeReport(run: BenchRun): string {
  const find = (scenario: string, connections?: number) =>
    run.results.find((r) => r.scenario === scenario && (connections === undefined || r.connections === connections));
  const transfer = (c: number) => find('transfer, random pairs', c);
  const smallest = Math.min(...run.settings.histories);
  const largest = Math.max(...run.settings.histories);
  const readSmall = find(`balance read, ${smallest} ops`);
  const readLarge = find(`balance read, ${largest} ops`);
  const seedLarge = run.seedDesign.find((s) => s.size === largest);
  const msPerRead = (r?: LoadResult) => (r && r.requestsPerSecond ? 1000 / r.requestsPerSecond : null);

  const ratios = {
    httpTransfersOverPgbench: Object.fromEntries(
      run.settings.transferConcurrency.map((c) => [
        `c${c}`,
        ratio(transfer(c)?.requestsPerSecond, run.ceilings.find((p) => p.connections === c)?.transactionsPerSecond),
      ]),
    ),
    depositsOverTransfersC32: ratio(find('deposit', 32)?.requestsPerSecond, transfer(32)?.requestsPerSecond),
    balanceReadTimeLargestOverSmallest: ratio(msPerRead(readLarge), msPerRead(readSmall)),
    seedSumOverOurReadAtLargest: ratio(seedLarge?.msPerRead, msPerRead(readLarge), 0),
    maxApiRssMb: Math.max(...run.results.map((r) => r.api.maxRssMb)),
  };

  const lines = [
    `# Benchmark (${run.mode}) — ${new Date().toISOString()}`,
    '',
    `Machine: ${run.machine}; database: ${run.database}; ${run.settings.wallets} funded wallets, ` +
      `${run.settings.seconds} s per scenario; client, API and PostgreSQL on one machine; run took ${run.durationSeconds} s.`,
    '',
    '| scenario | conc. | req/s | p50 ms | p99 ms | requests | errors | non-2xx | 5xx | API RSS MB | API CPU % |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...run.results.map(
      (r) =>
        `| ${r.scenario} | ${r.connections} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.requests} | ${r.errors} | ${r.non2xx} | ${r.status5xx} | ${r.api.maxRssMb} | ${r.api.cpuPercent} |`,
    ),
    '',
    '| reference | conc. | per second / ms per read |',
    '|---|---:|---:|',
    ...run.ceilings.map(
      (p) =>
        `| pgbench -M prepared, SQL of one transfer | ${p.connections} | ${p.transactionsPerSecond ?? `n/a (${p.note})`} tx/s |`,
    ),
    ...run.seedDesign.map((s) => `| seed design: all amounts summed per read, ${s.size} ops | 1 | ${s.msPerRead} ms |`),
    '',
    '| ratio | value |',
    '|---|---:|',
    ...Object.entries(ratios.httpTransfersOverPgbench).map(
      ([c, v]) => `| HTTP transfers/s ÷ pgbench tx/s, ${c} | ${v ?? 'n/a'} |`,
    ),
    `| deposits/s ÷ transfers/s (c32) | ${ratios.depositsOverTransfersC32 ?? 'n/a'} |`,
    `| balance read time at ${largest} ÷ at ${smallest} ops | ${ratios.balanceReadTimeLargestOverSmallest ?? 'n/a'} |`,
    `| seed SUM time ÷ our read time at ${largest} ops | ${ratios.seedSumOverOurReadAtLargest ?? 'n/a'} |`,
    `| peak API RSS (MB) | ${ratios.maxApiRssMb} |`,
    '',
    'Read time is 1000 / req/s at 16 connections (amortised); the seed design is timed on one connection.',
  ];
  const markdown = lines.join('\n');
  const directory = join(__dirname, 'results');
  writeFileSync(join(directory, `latest-${run.mode}.md`), `${markdown}\n`);
  writeFileSync(
    join(directory, `latest-${run.mode}.json`),
    `${JSON.stringify({ ...run, ratios, at: new Date().toISOString() }, null, 2)}\n`,
  );
  return markdown;
}
