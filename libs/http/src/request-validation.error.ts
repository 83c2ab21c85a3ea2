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
