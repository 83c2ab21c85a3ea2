import type { NestExpressApplication } from '@nestjs/platform-express';
import passport from 'passport';
import { SessionMiddleware } from '@app/auth';
import type { AppConfig } from '@app/config';
import { answeringErrors, ERROR_TABLE, type ErrorTable, jsonBodyParser, securityHeaders } from '@app/http';
import { useObservability } from '@app/observability';
import { serveAdminConsole } from './admin-console';
import { DOC_PATH, setupSwagger } from './swagger';

/**
 * Everything main.ts does to the application besides listening, shared with
 * the e2e tests so that they exercise exactly what production runs.
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): NestExpressApplication {
  useObservability(app); // first: request id, access line and timing for every request, Nest's logger on pino
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.set('etag', false);
  app.use(securityHeaders({ https: config.http.secureCookies, inlineStylesUnder: [`/${DOC_PATH}`] }));
  serveAdminConsole(app, config);
  const errors = app.get<ErrorTable>(ERROR_TABLE);
  app.use(answeringErrors(jsonBodyParser(), errors));
  app.use(answeringErrors(app.get(SessionMiddleware).handler, errors));
  app.use(answeringErrors(passport.initialize(), errors));
  app.use(answeringErrors(passport.session(), errors));
  setupSwagger(app);
  return app;
}
