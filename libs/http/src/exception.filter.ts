import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorResponse } from './error-response';
import { ERROR_TABLE, type ErrorTable } from './error.table';

/** Registered as APP_FILTER: every error of every route, and unknown routes, answer in the envelope. */
@Catch()
export class EnvelopeExceptionFilter implements ExceptionFilter {
  constructor(@Inject(ERROR_TABLE) private readonly errors: ErrorTable) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = toErrorResponse(error, this.errors);
    if (response.headersSent) return;
    response.status(status).json(body);
  }
}
