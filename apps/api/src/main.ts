import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '@app/config';
import { migrateUnderLock, resolveDatabase } from '@app/persistence';
import { AppModule } from './app.module';
import { configureApp } from './bootstrap/configure-app';
import { installGracefulShutdown } from './bootstrap/graceful-shutdown';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const logger = new Logger('Bootstrap');
  const config = loadConfig();
  const database = await resolveDatabase(config.database, (line) => logger.log(line));

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database.url), {
    bodyParser: false,
    logger: config.production ? ['error', 'warn', 'log'] : ['error', 'warn', 'log', 'debug'],
  });
  if (config.database.migrateOnStart) {
    const applied = await migrateUnderLock(app.get(MikroORM), database.url);
    if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  }
  configureApp(app, config);
  installGracefulShutdown(app, {
    timeoutSeconds: config.shutdown.timeoutSeconds,
    stopDatabase: () => database.stop(),
    log: logger,
  });
  await app.listen(config.http.port, config.http.host);
  logger.log(
    `listening on http://${config.http.host}:${config.http.port} (Swagger UI at /api/doc/) in ${Date.now() - startedAt} ms`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
