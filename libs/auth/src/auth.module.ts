import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type DynamicModule, Module, type ModuleMetadata, type Type } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuthService } from './application/auth.service';
import { RegistrationListener } from './application/registration.listener';
import { PasswordHasher } from './domain/password.hasher';
import { User } from './domain/user.entity';
import { AuthController } from './http/auth.controller';
import { AuthGuard } from './http/auth.guard';
import { LoginGuard } from './http/login.guard';
import { LocalStrategy } from './http/local.strategy';
import { LoginThrottle, THROTTLE_OPTIONS, type ThrottleOptions } from './http/login-throttle';
import { SESSION_OPTIONS, SessionLoader, type SessionOptions } from './http/session.loader';
import { SessionSerializer } from './http/session.serializer';
import { UserRepository } from './persistence/user.repository';

export interface AuthModuleOptions {
  /** Modules that provide the registration listener. */
  imports: ModuleMetadata['imports'];
  /** Called inside the registration's unit of work (the wallets feature creates the wallet). */
  registrationListener: Type<RegistrationListener>;
  /** HTTP processes only: the command line has no sessions. */
  session?: SessionOptions;
  /** HTTP processes only: the login and registration throttles. */
  throttle?: ThrottleOptions;
}

@Module({})
export class AuthModule {
  static register(options: AuthModuleOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      imports: [
        MikroOrmModule.forFeature([User]),
        PassportModule.register({ session: true }),
        ...(options.imports ?? []),
      ],
      controllers: [AuthController],
      providers: [
        AuthService,
        PasswordHasher,
        UserRepository,
        LocalStrategy,
        SessionSerializer,
        AuthGuard,
        LoginGuard,
        ...(options.session ? [SessionLoader, { provide: SESSION_OPTIONS, useValue: options.session }] : []),
        ...(options.throttle ? [LoginThrottle, { provide: THROTTLE_OPTIONS, useValue: options.throttle }] : []),
        { provide: RegistrationListener, useExisting: options.registrationListener },
      ],
      exports: [AuthService, PasswordHasher, UserRepository, AuthGuard, ...(options.session ? [SessionLoader] : [])],
    };
  }
}
