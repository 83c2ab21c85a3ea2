import { createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { validateInto } from '@app/http';
import { InvalidCredentialsError } from '../domain/auth.errors';
import type { SessionUser } from '../domain/session-user';
import { LoginRequest } from './auth.dto';

/**
 * passport-local behind the contract's validation: a missing field is a 422
 * naming the field (guards run before pipes, so the body is checked here),
 * then the credentials are verified and the user logged in, which regenerates
 * the session id (passport >= 0.6) against session fixation.
 */
@Injectable()
export class LoginGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    await validateInto(LoginRequest, request.body ?? {});
    await super.canActivate(context);
    await super.logIn(request);
    return true;
  }

  override handleRequest<T>(error: unknown, user: T): T {
    if (error) throw error;
    if (!user) throw new InvalidCredentialsError();
    return user;
  }
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SessionUser =>
    context.switchToHttp().getRequest<Request>().user as SessionUser,
);
