import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { routePattern } from '../logging/route';
import { Metrics } from './metrics.service';

/** Times every request, answered by a route or not, into http_request_duration_seconds. */
@Injectable()
export class HttpMetricsMiddleware {
  constructor(private readonly metrics: Metrics) {}

  readonly handle = (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.requestFinished(req.method, routePattern(req), res.statusCode, seconds);
    });
    next();
  };
}
