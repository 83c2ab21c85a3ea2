import type { Request, Response } from 'express';
import type { Level, Logger } from 'pino';
import { routePattern, userIdOf } from './route';

/**
 * The one access line of a request, written when its response is done:
 * request id, method, URL, route pattern, status, duration, user id and
 * client address. Headers are not logged: the line stays small and cheap,
 * and no cookie or key can get into it (so it needs no redaction).
 * `info`; `warn` for a 503 (an expected state: database away, shutting down,
 * not ready); `error` for any other 5xx (the error itself is logged by the
 * exception filter, with the same request id).
 */
export function writeAccessLine(
  log: Logger,
  requestId: string,
  req: Request,
  res: Response,
  durationMs: number,
): void {
  const route = routePattern(req);
  const status = res.statusCode;
  const level: Level = status >= 500 ? (status === 503 ? 'warn' : 'error') : 'info';
  log[level](
    {
      requestId,
      method: req.method,
      url: req.originalUrl,
      route,
      status,
      durationMs,
      userId: userIdOf(req),
      remoteAddress: req.socket.remoteAddress,
    },
    `${req.method} ${route} ${status} ${durationMs} ms`,
  );
}
