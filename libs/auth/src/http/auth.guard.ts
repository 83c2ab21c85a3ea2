import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  Optional,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiCookieAuth } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminRequiredError, AuthenticationRequiredError } from '../domain/auth.errors';
import type { SessionUser } from '../domain/session-user';
import { Role } from '../domain/user.entity';
import { UserRepository } from '../persistence/user.repository';
import { SESSION_COOKIE, SessionLoader } from './session.loader';

const ACCESS = 'auth:access';

interface Access {
  public?: boolean;
  /** A public route that reads or writes the caller's session (login, logout, registration). */
  session?: boolean;
  admin?: boolean;
}

/** Routes under this prefix are admin routes whatever their decorators say. */
const ADMIN_PREFIX = '/v1/admin/';

/** The route needs a live session (the default of every route); `admin: true` also needs the admin role. */
export const Authenticated = (options: { admin?: boolean } = {}) =>
  applyDecorators(SetMetadata(ACCESS, { admin: options.admin === true }), ApiCookieAuth(SESSION_COOKIE));

/**
 * Anyone may call the route (registration, login, health). No session is read
 * or created for it unless `session: true` (the routes that log in or out).
 */
export const Public = (options: { session?: boolean } = {}) =>
  SetMetadata(ACCESS, { public: true, session: options.session === true });

/**
 * The one guard of every route (registered as APP_GUARD), so that a new
 * route is protected unless it says otherwise: a visitor gets 401; on an
 * admin route (`@Authenticated({ admin: true })`, or any path under
 * /v1/admin/) a user without the admin role gets 403. The role is read from
 * the database on every admin request, never from the session, so a
 * promotion or demotion takes effect on the user's next request; the
 * principal then carries it. Every answer of a protected route, a failure
 * included, says `Cache-Control: no-store`: it is one user's data.
 *
 * The guard also reads the session on exactly the routes that need one:
 * who calls on every protected route (SessionLoader.authenticate), the whole
 * session (express-session, then passport) on the public ones marked
 * `session: true`, which log in or out. Other public routes and requests
 * that match no route never read, create or touch a session. The command
 * line has no SessionLoader (no HTTP).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UserRepository,
    @Optional() private readonly sessions?: SessionLoader,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<Request>();
    const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
    const admin = access?.admin === true || `${route}/`.startsWith(ADMIN_PREFIX);
    const isPublic = access?.public === true && !admin;
    if (isPublic && !access?.session) return true;
    const response = context.switchToHttp().getResponse<Response>();
    if (isPublic) {
      await this.sessions?.load(request, response); // logs in or out: express-session and passport
      return true;
    }
    response.setHeader('Cache-Control', 'no-store');
    await this.sessions?.authenticate(request); // who calls, nothing more
    if (!request.user) throw new AuthenticationRequiredError();
    if (admin) {
      const user = request.user as SessionUser;
      const role = await this.users.roleOf(user.id);
      if (role !== Role.ADMIN) throw new AdminRequiredError();
      user.role = role;
    }
    return true;
  }
}
