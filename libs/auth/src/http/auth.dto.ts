import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';
import { MISSING, RequiredString } from '@app/http';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from '../domain/password.policy';
import { newUsernameProblem, normalizeUsername, usernameProblem } from '../domain/username';

/** Why a name cannot be registered: the one rule, then the rule for new names (domain/username.ts). */
function registrationProblem(username: string): string | null {
  return usernameProblem(username) ?? newUsernameProblem(username);
}

/** A new username by the rules of domain/username.ts: the field holds it in NFC after validation. */
function NewUsername(): PropertyDecorator {
  const transform = Transform(({ value }) => (typeof value === 'string' ? normalizeUsername(value) : value));
  const validator = ValidateBy({
    name: 'username',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && registrationProblem(value) === null,
      defaultMessage: ({ value }: ValidationArguments) => {
        if (value === undefined || value === null) return MISSING;
        if (typeof value !== 'string') return 'Not a valid string.';
        return registrationProblem(value) ?? 'Invalid value.';
      },
    },
  });
  return (target, key) => {
    transform(target, key);
    validator(target, key);
  };
}

/** A new password by the one rule (domain/password.policy.ts): 422 on the field otherwise. */
function NewPassword(): PropertyDecorator {
  return ValidateBy({
    name: 'newPassword',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && passwordProblem(value) === null,
      defaultMessage: ({ value }: ValidationArguments) => {
        if (value === undefined || value === null) return MISSING;
        if (typeof value !== 'string') return 'Not a valid string.';
        return passwordProblem(value) ?? 'Invalid value.';
      },
    },
  });
}

export class RegisterRequest {
  @ApiProperty({
    example: 'alice',
    maxLength: 150,
    description:
      'Stored in Unicode NFC; printable characters only, no whitespace at either end; letters of one script ' +
      '(no Latin mixed with Cyrillic or Greek: no lookalike of another name) and no compatibility characters ' +
      '(full-width letters, ligatures); unique ignoring case ("Alice" and "alice" are one account)',
  })
  @NewUsername()
  username: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    format: 'password',
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description:
      `At least ${PASSWORD_MIN_LENGTH} characters (not counting whitespace at either end) and not one of the ` +
      'most common passwords (a list of about 49,000): otherwise 422 with target `password`',
  })
  @NewPassword()
  password: string;

  @ApiProperty({ example: 'correct horse battery staple', format: 'password', maxLength: PASSWORD_MAX_LENGTH })
  @RequiredString({ maxLength: PASSWORD_MAX_LENGTH })
  passwordConfirm: string;
}

export class LoginRequest {
  @ApiProperty({ example: 'alice', maxLength: 150 })
  @RequiredString({ maxLength: 150 })
  username: string;

  @ApiProperty({ example: 'correct horse battery staple', format: 'password', maxLength: 1024 })
  @RequiredString({ maxLength: 1024 })
  password: string;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'alice' })
  username: string;

  static of(user: { id: string; username: string }): UserResponse {
    return Object.assign(new UserResponse(), { id: user.id, username: user.username });
  }
}

export class PrincipalResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({ enum: ['user', 'admin'] })
  role: string;

  static of(user: { id: string; username: string; role: string }): PrincipalResponse {
    return Object.assign(new PrincipalResponse(), { id: user.id, username: user.username, role: user.role });
  }
}
