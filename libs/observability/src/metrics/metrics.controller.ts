import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@app/auth';
import { RawResponse } from '@app/http';
import { Metrics } from './metrics.service';

@ApiTags('monitoring')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Public()
  @RawResponse()
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format 0.0.4), for the internal network only',
    description:
      'Request durations by route and status, journal entries posted by type, refused money movements by reason, ' +
      'idempotent replays, lock-conflict retries, database pool usage, event-loop lag and the other Node.js process ' +
      'metrics (the README lists each one). Not behind a login: serve it to the monitoring network only (block ' +
      '/metrics at the reverse proxy or load balancer), or turn it off with METRICS_ENABLED=false (then 404).',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text format',
    content: { 'text/plain': { schema: { type: 'string', example: 'idempotency_replays_total 3' } } },
  })
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.setHeader('Content-Type', this.metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    return this.metrics.scrape();
  }
}
