import { ApiProperty } from '@nestjs/swagger';
import { RequiredString } from '@app/http';

export class RegisterRequest {
  @ApiProperty({ example: 'alice', maxLength: 150 })
  @RequiredString({ maxLength: 150 })
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
