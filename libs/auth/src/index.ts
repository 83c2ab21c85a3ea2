export { AuthModule, type AuthModuleOptions } from './auth.module';
export { AuthService } from './application/auth.service';
export { RegistrationListener } from './application/registration.listener';
export { User } from './domain/user.entity';
export { type SessionUser } from './domain/session-user';
export {
  AuthenticationRequiredError,
  InvalidCredentialsError,
  UsernameTakenError,
  type AuthErrorCode,
} from './domain/auth.errors';
export { AUTH_ERRORS } from './http/auth-error.table';
export { SessionGuard, CurrentUser } from './http/guards';
export { SessionMiddleware, SESSION_COOKIE, type SessionOptions } from './http/session.middleware';
