import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Client } from 'pg';
import { makeStandby, PostgresServer } from '../libs/testing/src/streaming-replica';
import type { BenchDatabase } from './database';
import { freePort } from './database';

export interface BenchReplica {
  /** The bench database's URL on the standby. */
  url: string;
  /** The postmaster's pid of the primary and of the standby (their processes' CPU is measured). */
  primaryPid: number;
  replicaPid: number;
  close(): Promise<void>;
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString();
}

/**
 * A hot standby of the bench's embedded PostgreSQL (the low-level base
 * backup of libs/testing's streaming-replica helper), made once the other
 * scenarios are done so that its replay costs them nothing; waits until it
 * has replayed everything.
 */
export async function startBenchReplica(bench: BenchDatabase): Promise<BenchReplica> {
  const embedded = bench.embedded!;
  const primary = {
    dataDir: embedded.dataDir,
    port: embedded.port,
    url: (database: string) => {
      const parsed = new URL(embedded.adminUrl);
      parsed.pathname = `/${database}`;
      return parsed.toString();
    },
  };
  const dataDir = `${embedded.dataDir}-replica`;
  await makeStandby(primary, dataDir, embedded.password);
  const replica = new PostgresServer(dataDir, await freePort(), embedded.password);
  try {
    await replica.start();
    const [{ lsn }] = (await bench.db.query<{ lsn: string }>('select pg_current_wal_flush_lsn()::text as lsn')).rows;
    const url = withPort(bench.url, replica.port);
    for (let caughtUp = false; !caughtUp;) {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ done: boolean }>(
          'select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as done',
          [lsn],
        );
        caughtUp = rows[0].done;
      } finally {
        await client.end();
      }
      if (!caughtUp) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      url,
      primaryPid: Number(readFileSync(`${embedded.dataDir}/postmaster.pid`, 'utf8').split('\n')[0]),
      replicaPid: replica.pid!,
      close: async () => {
        await replica.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await replica.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

function processTicks(postmaster: number): Map<number, number> {
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)])
    .toString()
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0);
  const ticks = new Map<number, number>();
  for (const pid of [postmaster, ...children]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12])); // utime + stime
    } catch {
      // ended meanwhile
    }
  }
  return ticks;
}

/**
 * The CPU a postmaster and its processes (backends, walsender, startup, ...)
 * use while sampled, in ms: each process's ticks from when it was first seen
 * (0 for one started meanwhile) to when it was last seen, sampled every
 * 100 ms so that a backend ending meanwhile still counts up to its last sample.
 */
export function sampleServerCpu(postmaster: number): { stop(): number } {
  const first = processTicks(postmaster);
  const last = new Map(first);
  const sample = () => {
    for (const [pid, ticks] of processTicks(postmaster)) {
      if (!first.has(pid)) first.set(pid, 0);
      last.set(pid, ticks);
    }
  };
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      sample();
      let ticks = 0;
      for (const [pid, end] of last) ticks += end - (first.get(pid) ?? 0);
      return ticks * 10; // 100 clock ticks per second
    },
  };
}
