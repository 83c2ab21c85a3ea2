import { Client } from 'pg';

export class DatabaseUnreachableError extends Error {}

export interface WaitForDatabaseOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 1 s). */
  intervalMs?: number;
  log?: (line: string) => void;
  /** Seams for tests. */
  connect?: (url: string) => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Refused credentials won't fix themselves: stop at once. */
const FATAL_CODES = new Set(['28P01', '28000']);

/**
 * Waits until `url` accepts a connection and answers, for a bounded time: a
 * database started next to this process (docker-compose, a restart) may not
 * listen yet. One log line per failed attempt; a DatabaseUnreachableError
 * naming the server (never the password) when the time is up.
 */
export async function waitForDatabase(url: string, options: WaitForDatabaseOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 1_000;
  const log = options.log ?? (() => undefined);
  const connect = options.connect ?? connectOnce;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const where = describe(url);
  const startedAt = now();
  for (let attempt = 1; ; attempt++) {
    try {
      await connect(url);
      if (attempt > 1) log(`database at ${where} answers (attempt ${attempt})`);
      return;
    } catch (error) {
      const reason = reasonOf(error);
      const elapsed = now() - startedAt;
      if (FATAL_CODES.has((error as { code?: string }).code ?? '')) {
        throw new DatabaseUnreachableError(`database at ${where} refused the connection: ${reason}`);
      }
      if (elapsed + intervalMs > timeoutMs) {
        throw new DatabaseUnreachableError(
          `database at ${where} not reachable within ${Math.round(timeoutMs / 1000)} s (${attempt} attempts): ${reason}`,
        );
      }
      log(
        `database at ${where} not reachable (attempt ${attempt}, ${Math.round(elapsed / 1000)} s of ` +
          `${Math.round(timeoutMs / 1000)} s): ${reason}; retrying in ${Math.round(intervalMs / 1000)} s`,
      );
      await sleep(intervalMs);
    }
  }
}

async function connectOnce(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** host:port/database, without user or password. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  const { message, code } = (error ?? {}) as { message?: string; code?: string };
  return message || code || String(error);
}
