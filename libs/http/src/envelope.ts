import { ALL_FIELDS } from '@app/errors';

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNPROCESSABLE_ENTITY'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_ERROR';

export interface EnvelopeError {
  code: ErrorCode;
  message: string;
  target: string;
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

export function singleError(code: ErrorCode, message: string, target = ALL_FIELDS): Envelope<never> {
  return failure([{ code, message, target }]);
}
