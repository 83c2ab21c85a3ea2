import type { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { RequestLogging } from './logging/request-logging';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';

/**
 * The HTTP side of ObservabilityModule, called first by configureApp: Nest's
 * own logger becomes pino (every line JSON in production), and the first
 * middlewares assign the request id, arm the access line and time the
 * request, before any other middleware can answer it.
 */
export function useObservability(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.use(app.get(RequestLogging).middleware);
  app.use(app.get(HttpMetricsMiddleware).handle);
}
