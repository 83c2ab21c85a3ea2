import { DomainError } from '@app/errors';
import type { HttpErrorCode } from './error.table';

export interface FieldError {
  target: string;
  message: string;
}

/** Input that does not satisfy a request schema: one error per offending field (422). */
export class RequestValidationError extends DomainError<HttpErrorCode> {
  readonly code = 'REQUEST_VALIDATION_FAILED';

  constructor(readonly fields: FieldError[]) {
    super(fields.map((field) => `${field.target}: ${field.message}`).join('; '));
  }

  static of(target: string, message: string): RequestValidationError {
    return new RequestValidationError([{ target, message }]);
  }
}

/** A body that is not JSON at all (422 BAD_REQUEST, as the original answered). */
export class InvalidJsonBodyError extends DomainError<HttpErrorCode> {
  readonly code = 'INVALID_JSON_BODY';
  constructor() {
    super('Invalid JSON body.');
  }
}

/** A body nested deeper than any request of this API needs: refused before parsing (a parser would recurse that deep). */
export class JsonTooDeepError extends DomainError<HttpErrorCode> {
  readonly code = 'JSON_TOO_DEEP';
  constructor(limit: number) {
    super(`JSON body nested too deeply (${limit} levels at most).`);
  }
}

/** A body whose Content-Encoding (gzip, deflate, br) does not decode. */
export class MalformedBodyEncodingError extends DomainError<HttpErrorCode> {
  readonly code = 'MALFORMED_BODY_ENCODING';
  constructor() {
    super('Request body does not decode with its Content-Encoding.');
  }
}

/** A body that is not JSON on a route that takes JSON only (json-body.guard.ts). */
export class UnsupportedContentTypeError extends DomainError<HttpErrorCode> {
  readonly code = 'UNSUPPORTED_CONTENT_TYPE';
  constructor() {
    super('Content-Type must be application/json.', 'Content-Type');
  }
}
