import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '@app/config';
import { IdempotencyObserver } from '@app/idempotency';
import { PostingObserver } from '@app/ledger';
import { ConflictRetryObserver, ReplicaReadObserver } from '@app/persistence';
import { MoneyMovementsObserver } from '@app/transfers';
import { RequestLogging } from './logging/request-logging';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { Metrics } from './metrics/metrics.service';
import { METRICS_LISTENER, type MetricsListenerOptions, MetricsServer } from './metrics/metrics.server';
import { MigrationsIndicator } from './readiness/migrations.indicator';
import { ReadinessChecks } from './readiness/readiness.checks';
import { ReadinessController } from './readiness/readiness.controller';
import { ReadinessState } from './readiness/readiness.state';

/**
 * Logs, readiness and metrics of the API, imported by the composition root.
 * Global, because it binds the observers the libraries declare (the ledger's
 * PostingObserver, the unit of work's ConflictRetryObserver, idempotency's
 * IdempotencyObserver) to the metrics, and those are injected where the
 * libraries' own modules are. The HTTP side is mounted by `useObservability`
 * (first middleware, Nest's logger) from configureApp.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig): DynamicModule {
    const logging = new RequestLogging(config);
    const { metricsEnabled: enabled, metricsHost: host, metricsPort: port } = config.observability;
    const metricsListener: MetricsListenerOptions = { enabled, host, port };
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        // Nest's Logger over our pino logger. The request context is bound by RequestLogging's middleware, so
        // nestjs-pino's own middleware (forRoutes) would only bind it a second time on every request.
        LoggerModule.forRoot({ pinoHttp: { logger: logging.root }, useExisting: true, forRoutes: [] }),
        // Not-ready answers are logged by ReadinessController in one line; terminus' own logger writes around pino.
        TerminusModule.forRoot({ logger: false }),
      ],
      // GET /readyz on the API port answers up or down; /metrics and the readiness details are on MetricsServer.
      controllers: [ReadinessController],
      providers: [
        { provide: RequestLogging, useValue: logging },
        Metrics,
        HttpMetricsMiddleware,
        ReadinessState,
        MigrationsIndicator,
        ReadinessChecks,
        { provide: METRICS_LISTENER, useValue: metricsListener },
        MetricsServer,
        { provide: PostingObserver, useExisting: Metrics },
        { provide: ConflictRetryObserver, useExisting: Metrics },
        { provide: ReplicaReadObserver, useExisting: Metrics },
        { provide: IdempotencyObserver, useExisting: Metrics },
        { provide: MoneyMovementsObserver, useExisting: Metrics },
      ],
      exports: [
        RequestLogging,
        Metrics,
        HttpMetricsMiddleware,
        ReadinessState,
        MetricsServer,
        PostingObserver,
        ConflictRetryObserver,
        ReplicaReadObserver,
        IdempotencyObserver,
        MoneyMovementsObserver,
      ],
    };
  }
}
