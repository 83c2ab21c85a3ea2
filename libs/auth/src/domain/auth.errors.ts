import { DomainError } from '@app/errors';

/** Codes of the failures auth raises; each has its HTTP spec in http/auth-error.table.ts. */
export type AuthErrorCode =
  | 'AUTHENTICATION_REQUIRED'
  | 'ADMIN_REQUIRED'
  | 'INVALID_CREDENTIALS'
  | 'USERNAME_TAKEN'
  | 'INVALID_USERNAME'
  | 'WEAK_PASSWORD'
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

/**
 * A refusal of an operator's command (`make admin`, `make demote-admin`,
 * `make end-sessions`): one line for the terminal, no HTTP meaning (no route
 * reaches these operations).
 */
export abstract class CommandRefusedError extends Error {}

/** A new password the rule refuses (password.policy.ts), where no request validation ran before (the command line). */
export class WeakPasswordError extends DomainError<AuthErrorCode> {
  readonly code = 'WEAK_PASSWORD';
  constructor(problem: string) {
    super(`Password: ${problem}`, 'password');
  }
}

/**
 * `make admin` named an existing user that is not an admin, without its
 * current password and without ADMIN_PROMOTE=1: anybody may have registered
 * that name first, so it is not promoted.
 */
export class PromotionRefusedError extends CommandRefusedError {
  constructor(username: string) {
    super(
      `user ${username} already exists and is not an admin; not promoted: give its current password as ` +
        'ADMIN_PASSWORD, or set ADMIN_PROMOTE=1 to promote it keeping its own password (check who registered it first)',
    );
  }
}

/** The command line named a user that does not exist. */
export class UnknownUserError extends CommandRefusedError {
  constructor(username: string) {
    super(`no user named ${username}`);
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
 * Too many failed logins for this username from this address (refused without
 * checking the password, the right one included, until the window ends), or
 * from this address across usernames (a wrong password is refused with this
 * instead of 401; the right one still logs in).
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
