import type { AppConfig } from '@app/config';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { HttpLogger } from 'pino-http';
// nestjs-pino's request context: its PinoLogger (behind Nest's Logger) logs
// through the logger stored here, so Nest's lines of a request carry its id.
import { storage, Store } from 'nestjs-pino/storage';
import { createHttpLogger } from './http-logging';
import { createRootLogger } from './root-logger';

/**
 * The logging of one API process: its root pino logger and the access-log
 * middleware. Built when the composition root is (ObservabilityModule.forRoot),
 * since nestjs-pino's module needs the logger at that point.
 */
export class RequestLogging {
  readonly root: Logger;
  private readonly http: HttpLogger<IncomingMessage, ServerResponse>;

  constructor(config: AppConfig) {
    this.root = createRootLogger(config);
    this.http = createHttpLogger(this.root);
  }

  /**
   * The first middleware of the app (before body parsing and sessions, so
   * that a refused body is logged and answered with its request id too):
   * assigns the request id, arms the access line, and runs the rest of the
   * request in a logging context bound to the request's logger.
   */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    this.http(req, res, () => storage.run(new Store(req.log), next));
  };
}
