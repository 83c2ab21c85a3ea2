import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@app/auth';
import { RawResponse } from '@app/http';
import { DATABASE_PING_TIMEOUT_MS, NOT_READY_RETRY_AFTER_SECONDS, ReadinessChecks } from './readiness.checks';

const statusSchema = (status: string) => ({
  type: 'object',
  properties: { status: { type: 'string', enum: [status] } },
  required: ['status'],
});

/**
 * Readiness on the API port, for load balancers and orchestrators: up or
 * down and nothing more. Which check failed (database, migrations, shutting
 * down; with migration names) is served on the metrics listener only.
 */
@ApiTags('monitoring')
@Controller('readyz')
export class ReadinessController {
  constructor(private readonly checks: ReadinessChecks) {}

  @Get()
  @Public()
  @RawResponse()
  @ApiOperation({
    summary: 'Readiness: send this instance traffic? (without the envelope)',
    description:
      `200 \`{"status":"ok"}\` when the database answers \`select 1\` within ${DATABASE_PING_TIMEOUT_MS} ms, no ` +
      'committed migration is pending (checked at most every 5 s) and the instance is not shutting down; 503 ' +
      '`{"status":"error"}` with `Retry-After` otherwise. Which check failed is served on the metrics port only ' +
      '(METRICS_PORT, GET /readyz there). Liveness is GET /healthcheck, which answers while the database is away.',
  })
  @ApiOkResponse({ schema: statusSchema('ok'), example: { status: 'ok' } })
  @ApiServiceUnavailableResponse({ schema: statusSchema('error'), example: { status: 'error' } })
  async ready(@Res({ passthrough: true }) res: Response): Promise<{ status: 'ok' | 'error' }> {
    res.setHeader('Cache-Control', 'no-store');
    const { ready } = await this.checks.check();
    if (ready) return { status: 'ok' };
    res.status(503).setHeader('Retry-After', String(NOT_READY_RETRY_AFTER_SECONDS));
    return { status: 'error' };
  }
}
