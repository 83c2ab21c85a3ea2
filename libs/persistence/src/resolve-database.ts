import type { DatabaseConfig } from '@app/config';
import { Client } from 'pg';
import {
  EMBEDDED_APP_ROLE,
  embeddedPasswordFiles,
  embeddedUrl,
  runningServerPort,
  startEmbeddedPostgres,
} from './embedded-postgres';
import { readSecretFile } from './secret-file';

export interface ResolvedDatabase {
  /** The service's connections: only reads and writes rows when a separate migration role is configured. */
  url: string;
  /** Migrations' connections: the schema's owner (MIGRATION_DATABASE_URL, by default DATABASE_URL). */
  migrationUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL (and MIGRATION_DATABASE_URL) when set; otherwise an embedded
 * PostgreSQL whose data lives in `.data/` and survives restarts: migrations
 * run as its superuser, the service as the role `wallet_api`.
 */
export async function resolveDatabase(
  config: DatabaseConfig,
  log: (line: string) => void,
  options: { reuseRunning?: boolean } = {},
): Promise<ResolvedDatabase> {
  if (config.url) {
    return {
      url: config.url,
      migrationUrl: config.migrationUrl ?? config.url,
      embedded: false,
      stop: async () => undefined,
    };
  }
  if (options.reuseRunning) {
    // `make run` may hold the embedded server (and its data directory): then use it, on the port its
    // postmaster.pid names (whatever EMBEDDED_PG_PORT it was started with), and leave it running.
    const port = runningServerPort(config.embeddedDataDir);
    if (port !== undefined) {
      const running = runningEmbeddedUrls(config, port);
      if (!running || !(await answers(running.migrationUrl))) {
        throw new EmbeddedServerUnreachableError(
          `a PostgreSQL server runs on ${config.embeddedDataDir} (port ${port}) but does not answer with this ` +
            'data directory\'s passwords; not starting a second one: stop it, or set DATABASE_URL',
        );
      }
      log(`using the embedded PostgreSQL already running on 127.0.0.1:${port}, data in ${config.embeddedDataDir}`);
      return { ...running, embedded: true, stop: async () => undefined };
    }
  }
  const server = await startEmbeddedPostgres({
    dataDir: config.embeddedDataDir,
    port: config.embeddedPort,
    database: 'wallet',
    appRole: EMBEDDED_APP_ROLE,
    log: (line) => {
      if (/error|fatal|panic|embedded-postgres:/i.test(line)) log(line);
    },
  });
  log(`embedded PostgreSQL listening on 127.0.0.1:${config.embeddedPort}, data in ${config.embeddedDataDir}`);
  return { url: server.appUrl!, migrationUrl: server.url, embedded: true, stop: server.stop };
}

/** An embedded server holds the data directory but cannot be used: one line for the operator. */
export class EmbeddedServerUnreachableError extends Error {}

/** Where a connection goes, without its password: `user@host:port/database`. */
export function describeDatabase(url: string): string {
  const parsed = new URL(url);
  return `${decodeURIComponent(parsed.username)}@${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

/** The URLs of an embedded server started before, from its password files; none before its first start. */
function runningEmbeddedUrls(config: DatabaseConfig, port: number): { url: string; migrationUrl: string } | undefined {
  const files = embeddedPasswordFiles(config.embeddedDataDir);
  const superuser = readSecretFile(files.superuser);
  const app = readSecretFile(files.appRole);
  if (!superuser || !app) return undefined;
  return {
    url: embeddedUrl(port, EMBEDDED_APP_ROLE, app, 'wallet'),
    migrationUrl: embeddedUrl(port, 'postgres', superuser, 'wallet'),
  };
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
