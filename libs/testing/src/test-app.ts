import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '@app/config';
import { MetricsServer } from '@app/observability';
// The API's composition root, booted as main.ts boots it (an exception in .dependency-cruiser.js).
import { AppModule } from '../../../apps/api/src/app.module';
import { configureApp } from '../../../apps/api/src/bootstrap/configure-app';
import { checkServiceSession } from '@app/persistence';
import { applyServiceTimeoutsTo, pooledForTest, workerDatabaseUrl } from './test-database';

export interface TestApp {
  app: NestExpressApplication;
  server: Server;
  orm: MikroORM;
  databaseUrl: string;
  /** The metrics listener (`GET /metrics`, `GET /readyz` with details), on a free port; undefined with METRICS_ENABLED=false. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * The real AppModule, configured by the same configureApp as main.ts, on this
 * worker's own database (cloned from the migrated template).
 */
export async function createTestApp(env: Record<string, string> = {}, url?: string): Promise<TestApp> {
  const databaseUrl = url ?? (await workerDatabaseUrl());
  // The PgBouncer pass: the app through PgBouncer in transaction mode (DB_POOLER), its migrations straight.
  const pooledUrl = pooledForTest(databaseUrl);
  const poolerEnv: Record<string, string> = pooledUrl
    ? { DB_POOLER: 'pgbouncer-transaction', MIGRATION_DATABASE_URL: databaseUrl }
    : {};
  if (pooledUrl) await applyServiceTimeoutsTo(databaseUrl);
  const serviceUrl = pooledUrl ?? databaseUrl;
  // Access lines (info) stay out of jest's output unless a test or LOG_LEVEL asks for them. Suites register
  // hundreds of users from one address: the registration limit is off unless a test sets it (protection spec).
  // The metrics listener takes a free port: jest's workers and a test's second instance run side by side.
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    REGISTRATIONS_PER_ADDRESS: '0',
    ...process.env,
    ...poolerEnv,
    DATABASE_URL: serviceUrl,
    METRICS_PORT: '0',
    ...env,
  });
  // As main.ts checks at start (after the migrations behind a pooler).
  if (pooledUrl) await checkServiceSession(serviceUrl, config.database.pooler);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, serviceUrl), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  configureApp(app, config);
  await app.init();
  return {
    app,
    server: app.getHttpServer() as Server,
    orm: app.get(MikroORM),
    databaseUrl,
    metricsUrl: app.get(MetricsServer).url,
    close: () => app.close(),
  };
}
