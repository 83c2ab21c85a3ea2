import type { AppConfig } from '@app/config';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
// nestjs-pino's request context: its PinoLogger (behind Nest's Logger) logs
// through the logger stored here, so Nest's lines of a request carry its id.
import { storage, Store } from 'nestjs-pino/storage';
import { writeAccessLine } from './access-line';
import { assignRequestId } from './request-id';
import { createLoggers } from './root-logger';

/**
 * The logging of one API process: its root pino logger and the access-log
 * middleware. Built when the composition root is (ObservabilityModule.forRoot),
 * since nestjs-pino's module needs the logger at that point.
 */
export class RequestLogging {
  readonly root: Logger;
  private readonly access: Logger;

  constructor(config: AppConfig) {
    ({ root: this.root, access: this.access } = createLoggers(config));
  }

  /**
   * The first middleware of the app (before body parsing, so that a refused
   * body is logged and answered with its request id too): assigns the
   * request id, arms the access line, and runs the rest of the request in a
   * logging context whose logger carries that id.
   */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const startedAt = Date.now();
    const requestId = assignRequestId(req, res);
    // 'close' comes once the answer is sent, or when the client went away before it was.
    res.once('close', () => writeAccessLine(this.access, requestId, req, res, Date.now() - startedAt));
    storage.run(requestStore(this.root, requestId), next);
  };
}

/**
 * nestjs-pino's context of one request. Its logger (a child of the root
 * carrying the request id) is made when something logs: most requests log
 * nothing but their access line. PinoLogger.assign() may replace it.
 */
function requestStore(root: Logger, requestId: string): Store {
  const store = new Store(root);
  let logger: Logger | undefined;
  Object.defineProperty(store, 'logger', {
    get: () => (logger ??= root.child({ requestId })),
    set: (replacement: Logger) => (logger = replacement),
  });
  return store;
}
