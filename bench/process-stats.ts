import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

export interface ProcessUsage {
  /** Peak resident set size in MB while sampling. */
  maxRssMb: number;
  /** Average CPU use in percent of one core while sampling. */
  cpuPercent: number;
  /** CPU time (utime + stime of all its threads, from /proc/<pid>/stat) spent while sampling, in ms. */
  cpuMs: number;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** Samples a process's RSS and CPU (from /proc) until stopped. */
export function sampleProcess(pid: number, everyMs = 200): { stop(): ProcessUsage } {
  const startTicks = cpuTicks(pid);
  const startedAt = process.hrtime.bigint();
  let maxRss = rssMb(pid);
  const timer = setInterval(() => {
    try {
      maxRss = Math.max(maxRss, rssMb(pid));
    } catch {
      // the process ended; keep what was seen
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      let ticks = 0;
      try {
        ticks = cpuTicks(pid) - startTicks;
        maxRss = Math.max(maxRss, rssMb(pid));
      } catch {
        // ended
      }
      return {
        maxRssMb: round(maxRss, 1),
        cpuPercent: round((ticks / CLOCK_TICKS / seconds) * 100, 0),
        cpuMs: (ticks * 1000) / CLOCK_TICKS,
      };
    },
  };
}

/**
 * Waits until the process is idle (at most `maxCpuPercent` of a core over a
 * 250 ms window), at most `timeoutMs`: the requests a load client left in
 * flight when it stopped are still being served, and would otherwise be
 * counted in the next scenario's CPU and compete with its requests.
 * Returns how long it waited, in ms.
 */
export async function waitForIdle(pid: number, maxCpuPercent = 10, timeoutMs = 15_000): Promise<number> {
  const started = performance.now();
  const windowMs = 250;
  for (;;) {
    let before: number;
    try {
      before = cpuTicks(pid);
    } catch {
      return 0; // ended
    }
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    let ticks: number;
    try {
      ticks = cpuTicks(pid) - before;
    } catch {
      return 0;
    }
    const waited = performance.now() - started;
    if ((ticks / CLOCK_TICKS / (windowMs / 1000)) * 100 <= maxCpuPercent || waited >= timeoutMs) {
      return Math.round(waited);
    }
  }
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
