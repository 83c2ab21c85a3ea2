export { type Envelope, type EnvelopeError, type ErrorCode, success, failure } from './envelope';
export { RequestValidationError, InvalidJsonBodyError, type FieldError } from './request-validation.error';
export { ERROR_STATUS } from './error-status.table';
export { toErrorResponse, type ErrorResponse } from './error-response';
export { EnvelopeExceptionFilter } from './exception.filter';
export { EnvelopeInterceptor, RawResponse } from './envelope.interceptor';
export { answeringErrors } from './express-middleware';
export { jsonBodyParser, JsonNumber, MAX_BODY_BYTES } from './json-body.parser';
export { RequestValidationPipe, validateInto } from './validation';
export {
  MISSING,
  UUID_PATTERN,
  RequiredString,
  OptionalString,
  RequiredUuid,
  RequiredAmount,
  OptionalAmount,
  OptionalOneOf,
  OptionalIntInRange,
  OptionalTimestamp,
  OptionalCursor,
} from './fields';
export { ApiEnvelope, ApiErrors, ErrorDto } from './swagger';
export { encodeCursor, decodeCursor, WithMeta } from './cursor';
export {
  Idempotent,
  IDEMPOTENT_ROUTE,
  IDEMPOTENCY_HEADER,
  isValidIdempotencyKey,
  requestFingerprint,
  ReplayedFailure,
} from './idempotent';
