import { HttpException, Logger } from '@nestjs/common';
import { ALL_FIELDS, DomainError } from '@app/errors';
import { type Envelope, type ErrorCode, failure, singleError } from './envelope';
import { ERROR_STATUS } from './error-status.table';
import { ReplayedFailure } from './idempotent';
import { RequestValidationError } from './request-validation.error';

export interface ErrorResponse {
  status: number;
  body: Envelope<never>;
}

const logger = new Logger('Errors');

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
};

/** body-parser / raw-body failures, by their `type`. */
const BODY_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.too.large': { status: 413, message: 'Request body is too large (16 KiB at most).' },
  'encoding.unsupported': { status: 415, message: 'Unsupported content encoding.' },
  'charset.unsupported': { status: 415, message: 'Unsupported charset.' },
  'request.aborted': { status: 400, message: 'Request aborted.' },
  'request.size.invalid': { status: 400, message: 'Request size did not match content length.' },
  'stream.encoding.set': { status: 500, message: 'Internal server error.' },
};

/**
 * Turns any error into the contract's envelope and status. Used by the global
 * exception filter and by the middleware that runs before Nest's routing, so
 * that every error, wherever it is raised, answers the same way.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof ReplayedFailure) return { status: error.status, body: error.body as Envelope<never> };
  if (error instanceof RequestValidationError) {
    const { status, code } = ERROR_STATUS[error.code];
    return { status, body: failure(error.fields.map(({ target, message }) => ({ code, message, target }))) };
  }
  if (error instanceof DomainError && ERROR_STATUS[error.code]) {
    const { status, code } = ERROR_STATUS[error.code];
    return { status, body: singleError(code, error.message, error.target) };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = STATUS_CODES[status];
    if (code) return { status, body: singleError(code, status === 404 ? 'Not found.' : error.message, ALL_FIELDS) };
  }
  const bodyError = BODY_ERRORS[(error as { type?: string } | null)?.type ?? ''];
  if (bodyError && bodyError.status < 500) {
    return { status: bodyError.status, body: singleError(STATUS_CODES[bodyError.status], bodyError.message) };
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return { status: 500, body: singleError('INTERNAL_ERROR', 'Internal server error.') };
}
