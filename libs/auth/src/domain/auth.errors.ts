import { DomainError } from '@app/errors';

/** Codes of the failures auth raises; each has its HTTP spec in http/auth-error.table.ts. */
export type AuthErrorCode =
  | 'AUTHENTICATION_REQUIRED'
  | 'ADMIN_REQUIRED'
  | 'INVALID_CREDENTIALS'
  | 'USERNAME_TAKEN'
  | 'INVALID_USERNAME'
  | 'PASSWORDS_DIFFER'
  | 'TOO_MANY_LOGIN_ATTEMPTS'
  | 'TOO_MANY_REGISTRATIONS';

export class AuthenticationRequiredError extends DomainError<AuthErrorCode> {
  readonly code = 'AUTHENTICATION_REQUIRED';
  constructor() {
    super('Authentication required.');
  }
}

export class AdminRequiredError extends DomainError<AuthErrorCode> {
  readonly code = 'ADMIN_REQUIRED';
  constructor() {
    super('This route is for admins only.');
  }
}

/** Same answer for an unknown user and a wrong password: usernames are not disclosed. */
export class InvalidCredentialsError extends DomainError<AuthErrorCode> {
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('Invalid username or password.');
  }
}

export class UsernameTakenError extends DomainError<AuthErrorCode> {
  readonly code = 'USERNAME_TAKEN';
  constructor() {
    super('This username already taken.', 'username');
  }
}

/** A username the rule refuses (username.ts), where no request validation ran before (the command line). */
export class InvalidUsernameError extends DomainError<AuthErrorCode> {
  readonly code = 'INVALID_USERNAME';
  constructor(problem: string) {
    super(problem, 'username');
  }
}

export class PasswordsDifferError extends DomainError<AuthErrorCode> {
  readonly code = 'PASSWORDS_DIFFER';
  constructor() {
    super("Password does not match it's confirmation.");
  }
}

/** A throttle's limit is reached; the client may try again in `retryAfterSeconds` (the Retry-After header). */
export abstract class ThrottledError extends DomainError<AuthErrorCode> {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/**
 * Too many failed logins for this username from this address, or from this
 * address across usernames: refused without checking the password, the right
 * one included, until the window ends.
 */
export class TooManyLoginAttemptsError extends ThrottledError {
  readonly code = 'TOO_MANY_LOGIN_ATTEMPTS';
  constructor(retryAfterSeconds: number) {
    super('Too many failed logins; try again later.', retryAfterSeconds);
  }
}

export class TooManyRegistrationsError extends ThrottledError {
  readonly code = 'TOO_MANY_REGISTRATIONS';
  constructor(retryAfterSeconds: number) {
    super('Too many registrations from this address; try again later.', retryAfterSeconds);
  }
}
