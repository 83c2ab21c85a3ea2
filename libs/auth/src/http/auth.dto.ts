import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';
import { MISSING, RequiredString } from '@app/http';
import { normalizeUsername, usernameProblem } from '../domain/username';

/** A username by the one rule (domain/username.ts): the field holds it in NFC after validation. */
function Username(): PropertyDecorator {
  const transform = Transform(({ value }) => (typeof value === 'string' ? normalizeUsername(value) : value));
  const validator = ValidateBy({
    name: 'username',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && usernameProblem(value) === null,
      defaultMessage: ({ value }: ValidationArguments) => {
        if (value === undefined || value === null) return MISSING;
        if (typeof value !== 'string') return 'Not a valid string.';
        return usernameProblem(value) ?? 'Invalid value.';
      },
    },
  });
  return (target, key) => {
    transform(target, key);
    validator(target, key);
  };
}

export class RegisterRequest {
  @ApiProperty({
    example: 'alice',
    maxLength: 150,
    description:
      'Stored in Unicode NFC; printable characters only, no whitespace at either end; unique ignoring case ' +
      '("Alice" and "alice" are one account)',
  })
  @Username()
  username: string;

  @ApiProperty({ example: 'correct horse battery staple', format: 'password', maxLength: 1024 })
  @RequiredString({ maxLength: 1024 })
  password: string;

  @ApiProperty({ example: 'correct horse battery staple', format: 'password', maxLength: 1024 })
  @RequiredString({ maxLength: 1024 })
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
