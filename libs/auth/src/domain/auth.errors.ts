import { DomainError } from '@app/errors';

/** Codes of the failures auth raises; each has its HTTP spec in http/auth-error.table.ts. */
export type AuthErrorCode =
  | 'AUTHENTICATION_REQUIRED'
  | 'ADMIN_REQUIRED'
  | 'INVALID_CREDENTIALS'
  | 'USERNAME_TAKEN'
  | 'INVALID_USERNAME'
  | 'PASSWORDS_DIFFER';

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
