import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, MikroOrmHealthIndicator } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import { MikroORM } from '@mikro-orm/postgresql';
import { MigrationsIndicator } from './migrations.indicator';
import { ReadinessState } from './readiness.state';

/** The database must answer `select 1` within this time. */
export const DATABASE_PING_TIMEOUT_MS = 1_000;

/** Seconds a not-ready answer asks the prober to wait (`Retry-After`). */
export const NOT_READY_RETRY_AFTER_SECONDS = 5;

export interface Readiness {
  ready: boolean;
  /** terminus' result: which check failed and why. Served on the metrics listener only, never on the API port. */
  result: HealthCheckResult;
}

/**
 * Whether this instance should get traffic: the database answers, no
 * committed migration is pending, the instance is not shutting down. Asked by
 * GET /readyz on the API port (which answers up or down, nothing more) and on
 * the metrics listener (which shows the checks).
 */
@Injectable()
export class ReadinessChecks {
  private readonly logger = new Logger('Readiness');

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: MikroOrmHealthIndicator,
    private readonly migrations: MigrationsIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly state: ReadinessState,
    private readonly orm: MikroORM,
  ) {}

  async check(): Promise<Readiness> {
    try {
      const result = await this.health.check([
        async () => {
          const lifecycle = this.indicators.check('lifecycle');
          return this.state.shuttingDown ? lifecycle.down({ message: 'shutting down' }) : lifecycle.up();
        },
        () =>
          this.database.pingCheck('database', {
            connection: this.orm.em.getConnection(),
            timeout: DATABASE_PING_TIMEOUT_MS,
          }),
        () => this.migrations.check('migrations'),
      ]);
      return { ready: true, result };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      this.logger.warn(`not ready: ${Object.keys(result.error ?? {}).join(', ')}`);
      return { ready: false, result };
    }
  }
}
