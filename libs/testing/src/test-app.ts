import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '@app/config';
import { MetricsServer } from '@app/observability';
// The API's composition root, booted as main.ts boots it (an exception in .dependency-cruiser.js).
import { AppModule } from '../../../apps/api/src/app.module';
import { configureApp } from '../../../apps/api/src/bootstrap/configure-app';
import { workerDatabaseUrl } from './test-database';

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
  // Access lines (info) stay out of jest's output unless a test or LOG_LEVEL asks for them. Suites register
  // hundreds of users from one address: the registration limit is off unless a test sets it (protection spec).
  // The metrics listener takes a free port: jest's workers and a test's second instance run side by side.
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    REGISTRATIONS_PER_ADDRESS: '0',
    ...process.env,
    DATABASE_URL: databaseUrl,
    METRICS_PORT: '0',
    ...env,
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl), {
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
