import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { describeUnexpectedError } from '@app/http';
import { NOT_READY_RETRY_AFTER_SECONDS, ReadinessChecks } from '../readiness/readiness.checks';
import { Metrics } from './metrics.service';

export interface MetricsListenerOptions {
  /** false: no listener at all. */
  enabled: boolean;
  host: string;
  /** 0: any free port (read it back from `MetricsServer.url`). */
  port: number;
}

/** DI token of the metrics listener's address (ObservabilityModule.forRoot, from METRICS_*). */
export const METRICS_LISTENER = Symbol('METRICS_LISTENER');

/** A scraper or a prober needs few connections; a flood on this port must not cost the API anything. */
const LIMITS = { headersTimeout: 5_000, requestTimeout: 10_000, keepAliveTimeout: 5_000, maxConnections: 32 };

/**
 * The monitoring listener, apart from the API's port: `GET /metrics`
 * (Prometheus' text format) and `GET /readyz` with every check's details
 * (terminus' format: which check failed, pending migration names). It binds
 * METRICS_HOST:METRICS_PORT (127.0.0.1:9464 by default) when the application
 * starts (`app.init()`, inside `app.listen()`), so main.ts and the e2e tests
 * run the same listener, and closes with the application (graceful shutdown's
 * `app.close()`), after the API's server. Its requests are neither logged nor
 * counted in http_request_duration_seconds: scrapes are not traffic.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    private readonly metrics: Metrics,
    private readonly checks: ReadinessChecks,
    @Inject(METRICS_LISTENER) private readonly options: MetricsListenerOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.enabled || this.server) return;
    const server = createServer((req, res) => void this.answer(req, res));
    Object.assign(server, LIMITS);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A scraper's idle keep-alive connection would hold close() open.
      server.closeIdleConnections();
    });
  }

  /** Where it listens (undefined with METRICS_ENABLED=false, or before the application started). */
  get address(): AddressInfo | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address : undefined;
  }

  /** `http://host:port` of the listener, or undefined. */
  get url(): string | undefined {
    const address = this.address;
    if (!address) return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path !== '/metrics' && path !== '/readyz') return send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed.\n');
      }
      if (path === '/metrics') return send(res, 200, this.metrics.contentType, await this.metrics.scrape());
      const { ready, result } = await this.checks.check();
      if (!ready) res.setHeader('Retry-After', String(NOT_READY_RETRY_AFTER_SECONDS));
      return send(res, ready ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(result));
    } catch (error) {
      this.logger.error(describeUnexpectedError(error));
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal server error.\n');
      else res.destroy();
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
