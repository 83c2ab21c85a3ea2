import { type ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { validateInto } from '@app/http';
import { InvalidCredentialsError } from '../domain/auth.errors';
import { LoginRequest } from './auth.dto';
import { LoginThrottle } from './login-throttle';
import { clientAddress, throttled } from './throttled';

/**
 * passport-local behind the contract's validation: a missing field is a 422
 * naming the field (guards run before pipes, so the body is checked here),
 * then the credentials are verified and the user logged in, which regenerates
 * the session id (passport >= 0.6) against session fixation. Between the
 * two, the login throttle counts the attempt (429 at the username's limit,
 * before the password is checked; at the address's limit, 429 for a wrong
 * password only); the command line, which serves no HTTP, has none.
 */
@Injectable()
export class LoginGuard extends AuthGuard('local') {
  constructor(@Optional() private readonly throttle?: LoginThrottle) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const body = await validateInto(LoginRequest, request.body ?? {});
    const attempt = this.throttle
      ? await throttled(context.switchToHttp().getResponse<Response>(), () =>
          this.throttle!.beginLogin(clientAddress(request), body.username),
        )
      : undefined;
    try {
      await super.canActivate(context);
    } catch (error) {
      // Wrong credentials keep their point (and at the address's bound answer 429); anything else was no guess.
      if (!(error instanceof InvalidCredentialsError)) await attempt?.abandoned();
      else if (attempt) await throttled(context.switchToHttp().getResponse<Response>(), () => attempt.failed());
      throw error;
    }
    await attempt?.succeeded();
    await super.logIn(request);
    return true;
  }

  override handleRequest<T>(error: unknown, user: T): T {
    if (error) throw error;
    if (!user) throw new InvalidCredentialsError();
    return user;
  }
}
