import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '@app/config';
import { answeringErrors, ERROR_TABLE, type ErrorTable, jsonBodyParser, securityHeaders } from '@app/http';
import { useObservability } from '@app/observability';
import { serveAdminConsole } from './admin-console';
import { useReadYourWrites } from './read-your-writes';
import { applyServerLimits } from './server-limits';
import { DOC_PATH, setupSwagger } from './swagger';

/**
 * Everything main.ts does to the application besides listening, shared with
 * the e2e tests so that they exercise exactly what production runs.
 *
 * What runs on every request is kept to what every request needs: the
 * request id and access line, the timing metric, the security headers, and
 * the JSON body parser (which skips a request without a JSON body). Sessions
 * (express-session, passport) are loaded by the AuthGuard on the routes that
 * need one, and MikroORM's request context is mounted on the routes that use
 * the ORM (PersistenceModule), not here.
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): NestExpressApplication {
  applyServerLimits(app.getHttpServer(), config.http.limits); // timeouts and the connection cap, before any listen
  useObservability(app); // first: request id, access line and timing for every request, Nest's logger on pino
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.set('etag', false);
  app.use(securityHeaders({ https: config.http.secureCookies, inlineStylesUnder: [`/${DOC_PATH}`] }));
  serveAdminConsole(app, config);
  const errors = app.get<ErrorTable>(ERROR_TABLE);
  app.use(answeringErrors(jsonBodyParser(), errors));
  useReadYourWrites(app, config); // with replicas only: each request knows its client's last write position
  setupSwagger(app);
  return app;
}
