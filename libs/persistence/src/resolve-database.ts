import type { DatabaseConfig } from '@app/config';
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
export async function resolveDatabase(config: DatabaseConfig, log: (line: string) => void): Promise<ResolvedDatabase> {
  if (config.url) return { url: config.url, embedded: false, stop: async () => undefined };
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
