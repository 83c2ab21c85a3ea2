import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '@app/config';
import { migrateUnderLock, resolveDatabase } from '@app/persistence';
import { AppModule } from './app.module';
import { configureApp } from './bootstrap/configure-app';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const logger = new Logger('Bootstrap');
  const config = loadConfig();
  const database = await resolveDatabase(config.database, (line) => logger.log(line));

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database.url), {
    bodyParser: false,
    // Held until configureApp hands Nest's logger to pino (LOG_LEVEL decides what is written).
    bufferLogs: true,
  });
  if (config.database.migrateOnStart) {
    const applied = await migrateUnderLock(app.get(MikroORM), database.url);
    if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  }
  configureApp(app, config);
  // Stop in order: stop taking requests and close the pools, then stop the
  // embedded PostgreSQL (if any), so that no server is left running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: shutting down`);
      void app
        .close()
        .then(() => database.stop())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error(error);
            process.exit(1);
          },
        );
    });
  }
  await app.listen(config.http.port, config.http.host);
  logger.log(
    `listening on http://${config.http.host}:${config.http.port} (Swagger UI at /api/doc/) in ${Date.now() - startedAt} ms`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
