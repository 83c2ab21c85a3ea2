import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PgbenchResult {
  /** The script in bench/sql/ (transfer.sql, transfer-hot.sql). */
  script: string;
  connections: number;
  transactionsPerSecond: number | null;
  /** pgbench's "latency average" (ms per transaction, one client's view); null when there is no figure. */
  latencyMs: number | null;
  /** Why there is no figure (pgbench missing or failed). */
  note?: string;
}

/** pgbench from PATH, or from a Debian PostgreSQL install; null when this machine has none. */
export function findPgbench(): string | null {
  if (spawnSync('pgbench', ['--version']).status === 0) return 'pgbench';
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  for (const version of readdirSync(root).sort().reverse()) {
    const candidate = join(root, version, 'bin', 'pgbench');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * A yardstick: pgbench -M prepared running a script of bench/sql/ (one keyed
 * transfer per transaction in plain SQL) at the same concurrency, on the same
 * data, for the same time as the HTTP scenario it is compared with.
 * `variables` are passed with -D (wallets=N always; hot=N for transfer-hot.sql).
 */
export async function runPgbench(
  databaseUrl: string,
  options: { script: string; connections: number; seconds: number; variables: Record<string, number> },
): Promise<PgbenchResult> {
  const { script, connections } = options;
  const pgbench = findPgbench();
  if (!pgbench) return { script, connections, transactionsPerSecond: null, latencyMs: null, note: 'pgbench not installed' };
  try {
    const output = execFileSync(
      pgbench,
      [
        '-n',
        '-M',
        'prepared',
        '-c',
        String(connections),
        '-j',
        String(Math.min(2, connections)),
        '-T',
        String(options.seconds),
        ...Object.entries(options.variables).flatMap(([name, value]) => ['-D', `${name}=${value}`]),
        '-f',
        join(__dirname, 'sql', script),
        databaseUrl,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const tps = /tps = ([0-9.]+) \(without initial connection time\)/.exec(output);
    const latency = /latency average = ([0-9.]+) ms/.exec(output);
    return {
      script,
      connections,
      transactionsPerSecond: tps ? Math.round(Number(tps[1])) : null,
      latencyMs: latency ? Number(latency[1]) : null,
    };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    return {
      script,
      connections,
      transactionsPerSecond: null,
      latencyMs: null,
      note: `pgbench failed: ${stderr.split('\n').slice(0, 3).join(' ')}`,
    };
  }
}
