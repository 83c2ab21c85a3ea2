import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorResponse } from './error-response';

/** Registered as APP_FILTER: every error of every route, and unknown routes, answer in the envelope. */
@Catch()
export class EnvelopeExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = toErrorResponse(error);
    if (response.headersSent) return;
    response.status(status).json(body);
  }
}
