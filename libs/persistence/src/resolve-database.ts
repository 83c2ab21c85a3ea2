import type { DatabaseConfig } from '@app/config';
import { Client } from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL whose data lives in
 * `.data/` and survives restarts.
 */
export async function resolveDatabase(
  config: DatabaseConfig,
  log: (line: string) => void,
  options: { reuseRunning?: boolean } = {},
): Promise<ResolvedDatabase> {
  if (config.url) return { url: config.url, embedded: false, stop: async () => undefined };
  if (options.reuseRunning) {
    // `make run` may hold the embedded server (and its data directory): then use it, and leave it running.
    const running = `postgres://postgres:postgres@127.0.0.1:${config.embeddedPort}/wallet`;
    if (await answers(running)) {
      log(`using the embedded PostgreSQL already running on 127.0.0.1:${config.embeddedPort}`);
      return { url: running, embedded: true, stop: async () => undefined };
    }
  }
  const server = await startEmbeddedPostgres({
    dataDir: config.embeddedDataDir,
    port: config.embeddedPort,
    database: 'wallet',
    log: (line) => {
      if (/error|fatal|panic|embedded-postgres:/i.test(line)) log(line);
    },
  });
  log(`embedded PostgreSQL listening on 127.0.0.1:${config.embeddedPort}, data in ${config.embeddedDataDir}`);
  return { url: server.url, embedded: true, stop: server.stop };
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
