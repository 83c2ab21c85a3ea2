import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AdminModule } from '@app/admin';
import { AuthGuard, AuthModule } from '@app/auth';
import type { AppConfig } from '@app/config';
import { EnvelopeExceptionFilter, ErrorTableModule, RequestValidationPipe } from '@app/http';
import { JsonBodyGuard } from '@app/http';
import { IdempotencyModule } from '@app/idempotency';
import { ledgerAuditOptions, LedgerModule } from '@app/ledger';
import { ObservabilityModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { ENTITIES } from '@app/schema';
import { TransfersModule } from '@app/transfers';
import { WalletsModule, WalletsService } from '@app/wallets';
import { migrationsList } from '../../../migrations';
import { ERROR_TRANSLATION, ERRORS } from './error.table';
import { HealthController } from './health/health.controller';

/** The composition root: which features run, wired to which database. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot(config),
        ErrorTableModule.forRoot(ERRORS, ERROR_TRANSLATION),
        PersistenceModule.forRoot({
          url: databaseUrl,
          poolSize: config.database.poolSize,
          debug: config.database.debug,
          migrationsList,
          entities: ENTITIES,
          preparedStatements: config.database.preparedStatements,
          pooler: config.database.pooler,
          replicas: config.database.replicas,
          // Served without an identity map: liveness and readiness (and without a session: @Public()); the
          // balance read and the money movements, whose every read and write is a Statement (the batch runs in
          // a statements-only transaction of its own, outside the request).
          routesWithoutOrm: [
            'healthcheck',
            'readyz',
            'v1/wallets',
            'v1/wallets/deposit',
            'v1/wallets/transfer',
            'v1/wallets/holds',
            'v1/holds/:id/capture',
            'v1/holds/:id/void',
          ],
        }),
        AuthModule.register({
          imports: [WalletsModule],
          registrationListener: WalletsService,
          session: {
            databaseUrl,
            secret: config.session.secret,
            secretFile: config.session.secretFile,
            maxAgeSeconds: config.session.maxAgeSeconds,
            secureCookies: config.http.secureCookies,
            preparedStatements: config.database.preparedStatements,
            pooler: config.database.pooler,
          },
          throttle: {
            databaseUrl,
            ...config.throttle,
            preparedStatements: config.database.preparedStatements,
            pooler: config.database.pooler,
          },
        }),
        LedgerModule,
        ledgerAuditOptions({ timeoutSeconds: config.audit.timeoutSeconds }),
        WalletsModule,
        TransfersModule,
        IdempotencyModule,
        AdminModule,
      ],
      controllers: [HealthController],
      providers: [
        // Every route needs a session unless it is @Public(); admin routes need the admin role. The guard loads
        // the session on the routes that need one (configureApp mounts no session middleware).
        { provide: APP_GUARD, useExisting: AuthGuard },
        // After the auth guard, before interceptors and handlers: 415 for a non-JSON body where JSON is required.
        { provide: APP_GUARD, useClass: JsonBodyGuard },
        { provide: APP_PIPE, useClass: RequestValidationPipe },
        { provide: APP_FILTER, useClass: EnvelopeExceptionFilter },
      ],
      // No APP_INTERCEPTOR: each controller says which interceptors its routes run (@Enveloped(), @Idempotent()).
    };
  }
}
