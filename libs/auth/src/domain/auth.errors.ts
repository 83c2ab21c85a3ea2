import { DomainError } from '@app/errors';

export class AuthenticationRequiredError extends DomainError {
  readonly code = 'AUTHENTICATION_REQUIRED';
  constructor() {
    super('Authentication required.');
  }
}

export class AdminRequiredError extends DomainError {
  readonly code = 'ADMIN_REQUIRED';
  constructor() {
    super('This route is for admins only.');
  }
}

/** Same answer for an unknown user and a wrong password: usernames are not disclosed. */
export class InvalidCredentialsError extends DomainError {
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('Invalid username or password.');
  }
}

export class UsernameTakenError extends DomainError {
  readonly code = 'USERNAME_TAKEN';
  constructor() {
    super('This username already taken.', 'username');
  }
}

export class PasswordsDifferError extends DomainError {
  readonly code = 'PASSWORDS_DIFFER';
  constructor() {
    super("Password does not match it's confirmation.");
  }
}
