import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { toErrorResponse } from './error-response';
import type { ErrorTable } from './error.table';

/**
 * Express middleware that runs before Nest's routing (body parsing) reports
 * errors to Express, not to Nest's filters. This wrapper answers them
 * in the envelope on the spot, through the same mapping as the filter.
 */
export function answeringErrors(middleware: RequestHandler, errors: ErrorTable): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    middleware(req, res, (error?: unknown) => {
      if (error === undefined || error === null || error === 'route' || error === 'router') return next(error as never);
      const { status, body, headers } = toErrorResponse(error, errors);
      res.status(status).set(headers).json(body);
    });
  };
}
