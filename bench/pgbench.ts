import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PgbenchResult {
  connections: number;
  transactionsPerSecond: number | null;
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
 * The ceiling: pgbench -M prepared running bench/sql/transfer.sql (the SQL of
 * one transfer as the service issues it) at the same concurrency, on the same
 * data, for the same time.
 */
export async function runPgbench(
  databaseUrl: string,
  options: { connections: number; seconds: number; wallets: number },
): Promise<PgbenchResult> {
  const pgbench = findPgbench();
  if (!pgbench) return { connections: options.connections, transactionsPerSecond: null, note: 'pgbench not installed' };
  try {
    const output = execFileSync(
      pgbench,
      [
        '-n',
        '-M',
        'prepared',
        '-c',
        String(options.connections),
        '-j',
        '2',
        '-T',
        String(options.seconds),
        '-D',
        `wallets=${options.wallets}`,
        '-f',
        join(__dirname, 'sql', 'transfer.sql'),
        databaseUrl,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const tps = /tps = ([0-9.]+) \(without initial connection time\)/.exec(output);
    return { connections: options.connections, transactionsPerSecond: tps ? Math.round(Number(tps[1])) : null };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    return {
      connections: options.connections,
      transactionsPerSecond: null,
      note: `pgbench failed: ${stderr.split('\n').slice(0, 3).join(' ')}`,
    };
  }
}
