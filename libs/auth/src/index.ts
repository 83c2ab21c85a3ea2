export { AuthModule, type AuthModuleOptions } from './auth.module';
export { AuthService, type AdminOutcome } from './application/auth.service';
export { RegistrationListener } from './application/registration.listener';
export { User, Role } from './domain/user.entity';
export { PasswordHasher } from './domain/password.hasher';
export { type SessionUser } from './domain/session-user';
export {
  AuthenticationRequiredError,
  AdminRequiredError,
  InvalidCredentialsError,
  UsernameTakenError,
  CommandRefusedError,
  TooManyLoginAttemptsError,
  TooManyRegistrationsError,
  type AuthErrorCode,
} from './domain/auth.errors';
export { AUTH_ERRORS } from './http/auth-error.table';
export { CurrentUser } from './http/current-user.decorator';
export { AuthGuard, Authenticated, Public } from './http/auth.guard';
export { SessionLoader, SESSION_COOKIE, type SessionOptions } from './http/session.loader';
export { type SessionReadStats } from './persistence/session.repository';
export { LoginThrottle, type ThrottleOptions } from './http/login-throttle';
export { RETRY_AFTER_HEADER } from './http/throttled';
