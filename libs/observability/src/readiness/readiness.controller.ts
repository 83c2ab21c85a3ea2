import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, MikroOrmHealthIndicator } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Response } from 'express';
import { Public } from '@app/auth';
import { RawResponse } from '@app/http';
import { MigrationsIndicator } from './migrations.indicator';
import { ReadinessState } from './readiness.state';

/** The database must answer `select 1` within this time. */
export const DATABASE_PING_TIMEOUT_MS = 1_000;

const indicatorSchema = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
};

const resultSchema = (status: string) => ({
  type: 'object',
  properties: {
    status: { type: 'string', enum: [status] },
    info: indicatorSchema,
    error: indicatorSchema,
    details: indicatorSchema,
  },
});

@ApiTags('monitoring')
@Controller('readyz')
export class ReadinessController {
  private readonly logger = new Logger('Readiness');

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: MikroOrmHealthIndicator,
    private readonly migrations: MigrationsIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly state: ReadinessState,
    private readonly orm: MikroORM,
  ) {}

  @Get()
  @Public()
  @RawResponse()
  @ApiOperation({
    summary: 'Readiness: send this instance traffic? (terminus format, without the envelope)',
    description:
      `200 when the database answers \`select 1\` within ${DATABASE_PING_TIMEOUT_MS} ms, no committed migration is ` +
      'pending (checked at most every 5 s) and the instance is not shutting down; 503 otherwise, with the failing ' +
      'checks under `error` and `Retry-After`. Liveness is GET /healthcheck, which answers while the database is away.',
  })
  @ApiOkResponse({
    schema: resultSchema('ok'),
    example: {
      status: 'ok',
      info: { lifecycle: { status: 'up' }, database: { status: 'up' }, migrations: { status: 'up', pending: 0 } },
      error: {},
      details: { lifecycle: { status: 'up' }, database: { status: 'up' }, migrations: { status: 'up', pending: 0 } },
    },
  })
  @ApiServiceUnavailableResponse({
    schema: resultSchema('error'),
    example: {
      status: 'error',
      info: { lifecycle: { status: 'up' }, database: { status: 'up' } },
      error: { migrations: { status: 'down', pending: 1, next: 'Migration20260101000000' } },
      details: {
        lifecycle: { status: 'up' },
        database: { status: 'up' },
        migrations: { status: 'down', pending: 1, next: 'Migration20260101000000' },
      },
    },
  })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    res.setHeader('Cache-Control', 'no-store');
    try {
      return await this.health.check([
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
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      this.logger.warn(`not ready: ${Object.keys(result.error ?? {}).join(', ')}`);
      res.status(503).setHeader('Retry-After', '5');
      return result;
    }
  }
}
