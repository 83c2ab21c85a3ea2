import type { Request } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';
import { assignRequestId } from './request-id';
import { routePattern, userIdOf } from './route';

/**
 * pino-http configured for this API: one access line per request, written
 * when the response is finished, with method, route pattern, status,
 * duration and user id on top of the request and response (headers
 * redacted, see redaction.ts); every line logged while serving the request
 * carries its `requestId`.
 */
export function createHttpLogger(root: Logger): HttpLogger<IncomingMessage, ServerResponse> {
  const accessFields = (req: IncomingMessage, res: ServerResponse, fields: object) => ({
    method: req.method,
    route: routePattern(req as Request),
    status: res.statusCode,
    userId: userIdOf(req as Request),
    ...fields,
  });
  return pinoHttp({
    logger: root,
    genReqId: assignRequestId,
    // Lines logged during the request carry only its id; the access line carries the request itself.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    // 503 is an expected state (database away, shutting down, not ready), said by the service on purpose.
    customLogLevel: (_req, res, error) =>
      error || (res.statusCode >= 500 && res.statusCode !== 503) ? 'error' : res.statusCode === 503 ? 'warn' : 'info',
    customSuccessObject: accessFields,
    customErrorObject: (req, res, _error, fields) => {
      // pino-http makes up an Error for a 5xx; the real one is logged by the exception filter.
      const { err: _made, ...rest } = fields as { err?: unknown };
      return accessFields(req, res, rest);
    },
    customSuccessMessage: (req, res, duration) =>
      `${req.method} ${routePattern(req as Request)} ${res.statusCode} ${duration} ms`,
    customErrorMessage: (req, res) => `${req.method} ${routePattern(req as Request)} ${res.statusCode}`,
  });
}
