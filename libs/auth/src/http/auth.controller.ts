import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiEnvelope, ApiErrors } from '@app/http';
import { AuthService } from '../application/auth.service';
import { PasswordsDifferError } from '../domain/auth.errors';
import type { SessionUser } from '../domain/session-user';
import { LoginRequest, PrincipalResponse, RegisterRequest, UserResponse } from './auth.dto';
import { Authenticated, Public } from './auth.guard';
import { CurrentUser, LoginGuard } from './guards';
import { SESSION_COOKIE } from './session.middleware';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Register a user, create its wallet (balance "0.00") and log it in' })
  @ApiEnvelope(UserResponse)
  @ApiErrors(400, 422)
  async register(@Body() body: RegisterRequest, @Req() request: Request): Promise<UserResponse> {
    if (body.password !== body.passwordConfirm) throw new PasswordsDifferError();
    const user = await this.auth.register(body.username, body.password);
    await logIn(request, user);
    return UserResponse.of(user);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @UseGuards(LoginGuard)
  @ApiOperation({ summary: 'Log in: sets the `sessionid` cookie (a fresh session id)' })
  @ApiBody({ type: LoginRequest })
  @ApiEnvelope(UserResponse)
  @ApiErrors(401, 422)
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
  @Public()
  @HttpCode(200)
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
