import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Optional } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorResponse } from './error-response';
import { ERROR_TABLE, ERROR_TRANSLATORS, type ErrorTable, type ErrorTranslator } from './error.table';

/** Registered as APP_FILTER: every error of every route, and unknown routes, answer in the envelope. */
@Catch()
export class EnvelopeExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(ERROR_TABLE) private readonly errors: ErrorTable,
    @Optional() @Inject(ERROR_TRANSLATORS) private readonly translators: readonly ErrorTranslator[] = [],
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body, headers } = toErrorResponse(error, this.errors, this.translators ?? []);
    if (response.headersSent) return;
    response.status(status).set(headers).json(body);
  }
}
