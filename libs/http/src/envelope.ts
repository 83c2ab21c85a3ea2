import { ALL_FIELDS } from '@app/errors';

/** The envelope's `code` of an error: the contract's closed list (part A, plus 503 of part B). */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE_ENTITY',
  'TOO_MANY_REQUESTS',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface EnvelopeError {
  code: ErrorCode;
  message: string;
  target: string;
  /** The specific failure: a DomainError's stable code, or one of NON_DOMAIN_REASONS. */
  reason: string;
}

export interface Envelope<T> {
  status: { success: boolean; errors: EnvelopeError[] };
  data: T | null;
  meta?: object;
}

export function success<T>(data: T, meta?: object): Envelope<T> {
  return meta ? { status: { success: true, errors: [] }, data, meta } : { status: { success: true, errors: [] }, data };
}

export function failure(errors: EnvelopeError[]): Envelope<never> {
  return { status: { success: false, errors }, data: null };
}

export function singleError(code: ErrorCode, reason: string, message: string, target = ALL_FIELDS): Envelope<never> {
  return failure([{ code, message, target, reason }]);
}
