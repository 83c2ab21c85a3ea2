export { type Envelope, type EnvelopeError, type ErrorCode, ERROR_CODES, success, failure } from './envelope';
export {
  RequestValidationError,
  InvalidJsonBodyError,
  UnsupportedContentTypeError,
  type FieldError,
} from './request-validation.error';
export { JsonBodyGuard, JsonBodyOnly, isJsonContentType } from './json-body.guard';
export { securityHeaders, type SecurityHeadersOptions } from './security-headers';
export {
  type ErrorSpec,
  type ErrorTable,
  type ErrorTranslator,
  type HttpErrorCode,
  ERROR_TABLE,
  ERROR_TRANSLATORS,
  HTTP_ERRORS,
  mergeErrorTables,
} from './error.table';
export { ErrorTableModule } from './error-table.module';
export { toErrorResponse, type ErrorResponse, NON_DOMAIN_REASONS, type NonDomainReason } from './error-response';
export { PrebuiltFailure } from './prebuilt-failure';
export { describeUnexpectedError } from './error-description';
export { EnvelopeExceptionFilter } from './exception.filter';
export { Enveloped, EnvelopeInterceptor, RawResponse, isRawResponse } from './envelope.interceptor';
export { answeringErrors } from './express-middleware';
export { jsonBodyParser, JsonNumber, MAX_BODY_BYTES } from './json-body.parser';
export { RequestValidationPipe, validateInto, type ValidateOptions } from './validation';
export { containsControlCharacter, CONTROL_CHARACTERS_MESSAGE } from './control-characters';
export {
  MISSING,
  UUID_PATTERN,
  RequiredString,
  OptionalString,
  RequiredUuid,
  OptionalUuid,
  RequiredAmount,
  OptionalAmount,
  OptionalOneOf,
  OptionalListOf,
  OptionalIntInRange,
  OptionalTimestamp,
  OptionalCursor,
} from './fields';
export { ApiEnvelope, ApiErrors, type DocumentedFailure, ErrorDto, documentErrorReasons, errorReasons } from './swagger';
export { encodeCursor, decodeCursor, WithMeta } from './cursor';
