import { Injectable } from '@nestjs/common';
import { constraintName, UnitOfWork } from '@app/persistence';
import { InvalidCredentialsError, UsernameTakenError } from '../domain/auth.errors';
import { PasswordHasher } from '../domain/password.hasher';
import type { SessionUser } from '../domain/session-user';
import { UserRepository } from '../persistence/user.repository';
import { RegistrationListener } from './registration.listener';

@Injectable()
export class AuthService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly listener: RegistrationListener,
  ) {}

  /** Creates the user and (through the listener) its wallet in one unit of work. */
  async register(username: string, password: string): Promise<SessionUser> {
    // Hashing is slow on purpose: do it before the transaction opens.
    const passwordHash = await this.hasher.hash(password);
    try {
      return await this.unitOfWork.run(async () => {
        if (await this.users.findByUsername(username)) throw new UsernameTakenError();
        const user = this.users.add(username, passwordHash);
        await this.listener.userRegistered(user.id);
        return { id: user.id, username: user.username };
      });
    } catch (error) {
      // Two registrations of one name at once: the unique index decides.
      if (constraintName(error) === 'users_username_unique') throw new UsernameTakenError();
      throw error;
    }
  }

  async verifyCredentials(username: string, password: string): Promise<SessionUser> {
    const user = await this.users.findByUsername(username);
    const valid = await this.hasher.verify(user?.passwordHash, password);
    if (!user || !valid) throw new InvalidCredentialsError();
    return { id: user.id, username: user.username };
  }
}
