import { Body, Controller, Get, Header, HttpCode, Optional, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiEnvelope, ApiErrors, Enveloped } from '@app/http';
import { AuthService } from '../application/auth.service';
import { PasswordsDifferError } from '../domain/auth.errors';
import type { SessionUser } from '../domain/session-user';
import { LoginRequest, PrincipalResponse, RegisterRequest, UserResponse } from './auth.dto';
import { Authenticated, Public } from './auth.guard';
import { CurrentUser } from './current-user.decorator';
import { LoginGuard } from './login.guard';
import { LoginThrottle } from './login-throttle';
import { SESSION_COOKIE } from './session.loader';
import { clientAddress, throttled } from './throttled';

/** Answers that set or clear the session cookie are never stored by a cache (authenticated ones: AuthGuard). */
const NO_STORE = ['Cache-Control', 'no-store'] as const;

@ApiTags('auth')
@Enveloped()
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    /** Absent in the command line, which serves no HTTP. */
    @Optional() private readonly throttle?: LoginThrottle,
  ) {}

  @Post('register')
  @Public({ session: true })
  @HttpCode(200)
  @Header(...NO_STORE)
  @ApiOperation({
    summary: 'Register a user, create its wallet (balance "0.00") and log it in',
    description:
      'More than 20 registrations an hour from one client address answer 429 with `Retry-After` ' +
      '(REGISTRATIONS_PER_ADDRESS, REGISTRATION_WINDOW_SECONDS). A password shorter than 8 characters or on a ' +
      'list of common passwords answers 422 with target `password`.',
  })
  @ApiEnvelope(UserResponse)
  @ApiErrors(400, 422, 429)
  async register(
    @Body() body: RegisterRequest,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<UserResponse> {
    if (body.password !== body.passwordConfirm) throw new PasswordsDifferError();
    if (this.throttle) await throttled(response, () => this.throttle!.beginRegistration(clientAddress(request)));
    const user = await this.auth.register(body.username, body.password);
    await logIn(request, user);
    return UserResponse.of(user);
  }

  @Post('login')
  @Public({ session: true })
  @HttpCode(200)
  @UseGuards(LoginGuard)
  @Header(...NO_STORE)
  @ApiOperation({
    summary: 'Log in: sets the `sessionid` cookie (a fresh session id)',
    description:
      'After 5 failed logins for one username from one client address within 15 minutes, further attempts from ' +
      'that address answer 429 (even with the right password) until the window ends, with `Retry-After`; ' +
      'a successful login starts the count over. After 100 failed logins from one address, whatever the usernames, ' +
      'a wrong password from there answers 429 instead of 401 until the window ends, while the right one still ' +
      'logs in. (Defaults; see the README.)',
  })
  @ApiBody({ type: LoginRequest })
  @ApiEnvelope(UserResponse)
  @ApiErrors(401, 422, 429)
  login(@CurrentUser() user: SessionUser): UserResponse {
    return UserResponse.of(user);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'Who is logged in, with the role as stored now (the admin console starts here)' })
  @ApiEnvelope(PrincipalResponse)
  @ApiErrors(401)
  async me(@CurrentUser() user: SessionUser): Promise<PrincipalResponse> {
    return PrincipalResponse.of(await this.auth.principalOf(user.id));
  }

  @Post('logout')
  @Public({ session: true })
  @HttpCode(200)
  @Header(...NO_STORE)
  @ApiOperation({ summary: 'Log out: destroys the session; the old cookie then answers 401' })
  @ApiEnvelope(null)
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<null> {
    await new Promise<void>((resolve, reject) =>
      request.logout({ keepSessionInfo: false }, (e) => (e ? reject(e) : resolve())),
    );
    await new Promise<void>((resolve, reject) => request.session.destroy((e) => (e ? reject(e) : resolve())));
    response.clearCookie(SESSION_COOKIE, { path: '/' });
    return null;
  }
}

/** passport's req.logIn regenerates the session id before storing the user. */
function logIn(request: Request, user: SessionUser): Promise<void> {
  return new Promise((resolve, reject) => request.logIn(user, (error) => (error ? reject(error) : resolve())));
}
