import { HttpException, Logger } from '@nestjs/common';
import { ALL_FIELDS, DomainError } from '@app/errors';
import { type Envelope, type ErrorCode, failure, singleError } from './envelope';
import { describeUnexpectedError } from './error-description';
import type { ErrorTable, ErrorTranslator } from './error.table';
import { PrebuiltFailure } from './prebuilt-failure';
import { RequestValidationError } from './request-validation.error';

export interface ErrorResponse {
  status: number;
  body: Envelope<never>;
  /** Headers the answer carries besides the body (`Retry-After` of a temporary failure). */
  headers: Record<string, string>;
}

/**
 * Reasons of failures that are not DomainErrors (raised by Nest's router,
 * body-parser, or a bug); the OpenAPI document lists them beside the table's.
 */
export const NON_DOMAIN_REASONS = [
  'ROUTE_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_ENCODING',
  'UNSUPPORTED_CHARSET',
  'REQUEST_ABORTED',
  'REQUEST_SIZE_MISMATCH',
  'HTTP_ERROR',
  'INTERNAL_ERROR',
] as const;

export type NonDomainReason = (typeof NON_DOMAIN_REASONS)[number];

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
  503: 'SERVICE_UNAVAILABLE',
};

/** body-parser / raw-body failures, by their `type`. */
const BODY_ERRORS: Record<string, { status: number; reason: NonDomainReason; message: string }> = {
  'entity.too.large': {
    status: 413,
    reason: 'PAYLOAD_TOO_LARGE',
    message: 'Request body is too large (16 KiB at most).',
  },
  'encoding.unsupported': { status: 415, reason: 'UNSUPPORTED_ENCODING', message: 'Unsupported content encoding.' },
  'charset.unsupported': { status: 415, reason: 'UNSUPPORTED_CHARSET', message: 'Unsupported charset.' },
  'request.aborted': { status: 400, reason: 'REQUEST_ABORTED', message: 'Request aborted.' },
  'request.size.invalid': {
    status: 400,
    reason: 'REQUEST_SIZE_MISMATCH',
    message: 'Request size did not match content length.',
  },
  'stream.encoding.set': { status: 500, reason: 'INTERNAL_ERROR', message: 'Internal server error.' },
};

/**
 * Turns any error into the contract's envelope and status, through the merged
 * error table. Used by the global exception filter and by the middleware that
 * runs before Nest's routing, so that every error, wherever it is raised,
 * answers the same way.
 */
export function toErrorResponse(
  thrown: unknown,
  table: ErrorTable,
  translators: readonly ErrorTranslator[] = [],
): ErrorResponse {
  const error = translate(thrown, translators);
  if (error instanceof PrebuiltFailure) return { status: error.status, body: error.body, headers: {} };
  const spec = error instanceof DomainError ? table[error.code] : undefined;
  if (error instanceof RequestValidationError && spec) {
    const { status, code } = spec;
    const reason = error.code;
    return {
      status,
      body: failure(error.fields.map(({ target, message }) => ({ code, message, target, reason }))),
      headers: {},
    };
  }
  if (error instanceof DomainError && spec) {
    const headers: Record<string, string> =
      spec.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(spec.retryAfterSeconds) };
    return { status: spec.status, body: singleError(spec.code, error.code, error.message, error.target), headers };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = STATUS_CODES[status];
    // Nest raises 404 for a route it does not serve; features raise DomainErrors, not HttpExceptions.
    const reason = status === 404 || status === 405 ? 'ROUTE_NOT_FOUND' : 'HTTP_ERROR';
    const message = status === 404 ? 'Not found.' : error.message;
    if (code) return { status, body: singleError(code, reason, message, ALL_FIELDS), headers: {} };
  }
  const bodyError = BODY_ERRORS[(error as { type?: string } | null)?.type ?? ''];
  if (bodyError && bodyError.status < 500) {
    const { status, reason, message } = bodyError;
    return { status, body: singleError(STATUS_CODES[status], reason, message), headers: {} };
  }
  // Never error.stack as is: a driver error's message embeds its SQL with the parameters.
  logger.error(describeUnexpectedError(error));
  return { status: 500, body: singleError('INTERNAL_ERROR', 'INTERNAL_ERROR', 'Internal server error.'), headers: {} };
}

function translate(error: unknown, translators: readonly ErrorTranslator[]): unknown {
  if (error instanceof DomainError || error instanceof PrebuiltFailure) return error;
  for (const translator of translators) {
    const translated = translator(error);
    if (translated) return translated;
  }
  return error;
}
