import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '@app/config';
import { checkServiceSession, migrateUnderLock, resolveDatabase } from '@app/persistence';
import { AppModule } from './app.module';
import { configureApp } from './bootstrap/configure-app';
import { MetricsServer, ReadinessState } from '@app/observability';
import { installGracefulShutdown } from './bootstrap/graceful-shutdown';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const logger = new Logger('Bootstrap');
  const config = loadConfig();
  // Said once the app's logger holds lines for pino (below): Nest's default logger, before it, writes coloured text.
  const early: string[] = [];
  const database = await resolveDatabase(config.database, (line) => early.push(line));
  // Refused in one line here rather than 500s later: a pooler the configuration does not name (DB_POOLER), or
  // timeouts not in effect inside a transaction.
  if (config.database.pooler === 'none') await checkServiceSession(database.url, 'none');

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database.url), {
    bodyParser: false,
    // Held until configureApp hands Nest's logger to pino (LOG_LEVEL decides what is written).
    bufferLogs: true,
  });
  for (const line of early) logger.log(line);
  if (config.database.migrateOnStart) {
    // As the schema's owner (MIGRATION_DATABASE_URL); the service's own role (DATABASE_URL) is granted its rows.
    const applied = await migrateUnderLock(app.get(MikroORM), database.migrationUrl, database.url, {
      log: (line) => logger.warn(line),
    });
    if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  }
  // Behind the pooler the timeouts are the role's defaults, which the migrations set: checked after them.
  if (config.database.pooler !== 'none') await checkServiceSession(database.url, config.database.pooler);
  configureApp(app, config);
  installGracefulShutdown(app, {
    timeoutSeconds: config.shutdown.timeoutSeconds,
    stopDatabase: () => database.stop(),
    // /readyz answers 503 from the first moment, so a balancer stops sending before the server stops accepting.
    onShutdownStarted: () => app.get(ReadinessState).markShuttingDown(),
    log: logger,
  });
  // app.init() inside listen() starts the metrics listener (MetricsServer) first; configureApp set the limits.
  await app.listen(config.http.port, config.http.host);
  const metricsUrl = app.get(MetricsServer).url;
  logger.log(
    `listening on http://${config.http.host}:${config.http.port} (Swagger UI at /api/doc/) in ${Date.now() - startedAt} ms` +
      (metricsUrl ? `; metrics at ${metricsUrl}/metrics` : ''),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
