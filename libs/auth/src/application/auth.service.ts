import { Injectable } from '@nestjs/common';
import { constraintName, UnitOfWork } from '@app/persistence';
import {
  AuthenticationRequiredError,
  InvalidCredentialsError,
  InvalidUsernameError,
  PromotionRefusedError,
  UnknownUserError,
  UsernameTakenError,
  WeakPasswordError,
} from '../domain/auth.errors';
import { PasswordHasher } from '../domain/password.hasher';
import { passwordProblem } from '../domain/password.policy';
import { newUsernameProblem, normalizeUsername, usernameProblem } from '../domain/username';
import type { SessionUser } from '../domain/session-user';
import { Role, type User } from '../domain/user.entity';
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

  /**
   * Creates the user and (through the listener) its wallet in one unit of
   * work. Public registration always makes a `user`; only `ensureAdmin` (the
   * command line) makes an admin.
   */
  async register(name: string, password: string, role: Role = Role.USER): Promise<SessionUser> {
    const username = normalizeUsername(name);
    // Hashing is slow on purpose: do it before the transaction opens.
    const passwordHash = await this.hasher.hash(password);
    try {
      return await this.unitOfWork.run(async () => {
        if (await this.users.findByUsername(username)) throw new UsernameTakenError();
        const user = this.users.add(username, passwordHash, role);
        await this.listener.userRegistered(user.id);
        return { id: user.id, username: user.username };
      });
    } catch (error) {
      // Two registrations of one name at once: the unique indexes decide.
      const constraint = constraintName(error);
      if (constraint === 'users_username_key_unique' || constraint === 'users_username_unique') {
        throw new UsernameTakenError();
      }
      throw error;
    }
  }

  async verifyCredentials(name: string, password: string): Promise<SessionUser> {
    const username = normalizeUsername(name);
    // A name the rule refuses names no account (and could not even be sent to
    // PostgreSQL, a NUL byte for one): same answer, same time, no query.
    const user = usernameProblem(username) === null ? await this.users.findByUsername(username) : null;
    const valid = await this.hasher.verify(user?.passwordHash, password);
    if (!user || !valid) throw new InvalidCredentialsError();
    return { id: user.id, username: user.username };
  }

  findUser(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  /** The logged-in user as stored now, role included (401 when the user is gone). */
  async principalOf(id: string): Promise<Required<SessionUser>> {
    const role = await this.users.roleOf(id);
    const user = role === null ? null : await this.users.findById(id);
    if (!user || role === null) throw new AuthenticationRequiredError();
    return { id: user.id, username: user.username, role };
  }

  /** Users whose name starts with `prefix`, ignoring case, in folded-name order after `afterKey`. */
  searchUsers(prefix: string, afterKey: string | undefined, limit: number): Promise<User[]> {
    return this.users.search(prefix, afterKey, limit);
  }

  /**
   * Makes `username` an admin (the command line's `make admin`). An unknown
   * name is registered as an admin (with its wallet) with `password`, which
   * must pass the password rule. An existing user is never promoted silently:
   * only when `password` is its current password, or when the operator says
   * `promote` (ADMIN_PROMOTE=1; its own password is kept). Otherwise
   * PromotionRefusedError: someone may have registered the name first.
   * Joins the caller's unit of work, so the caller logs the action in the same
   * transaction.
   */
  async ensureAdmin(
    name: string,
    password: string,
    options: { promote: boolean },
  ): Promise<{ user: SessionUser; outcome: AdminOutcome }> {
    const username = normalizeUsername(name);
    const problem = usernameProblem(username) ?? newUsernameProblem(username);
    if (problem) throw new InvalidUsernameError(problem);
    const existing = await this.users.findByUsername(username);
    if (!existing) {
      const weak = passwordProblem(password);
      if (weak) throw new WeakPasswordError(weak);
      const user = await this.register(username, password, Role.ADMIN);
      return { user, outcome: 'created' };
    }
    const user = { id: existing.id, username: existing.username };
    if (existing.role === Role.ADMIN) return { user, outcome: 'unchanged' };
    if (!options.promote && !(await this.hasher.verify(existing.passwordHash, password))) {
      throw new PromotionRefusedError(existing.username);
    }
    await this.users.setRole(existing.id, Role.ADMIN);
    return { user, outcome: 'promoted' };
  }

  /**
   * Makes an admin a user again and ends every session of theirs. Joins the
   * caller's unit of work. 'unchanged' when the user is not an admin.
   */
  async demote(name: string): Promise<{ user: SessionUser; outcome: 'demoted' | 'unchanged'; sessionsEnded: number }> {
    const existing = await this.existingUser(name);
    const user = { id: existing.id, username: existing.username };
    if (existing.role !== Role.ADMIN) return { user, outcome: 'unchanged', sessionsEnded: 0 };
    await this.users.setRole(existing.id, Role.USER);
    return { user, outcome: 'demoted', sessionsEnded: await this.users.endSessions(existing.id) };
  }

  /** Ends every session of the user (each cookie then answers 401); answers how many there were. */
  async endSessions(name: string): Promise<{ user: SessionUser; sessionsEnded: number }> {
    const existing = await this.existingUser(name);
    return {
      user: { id: existing.id, username: existing.username },
      sessionsEnded: await this.users.endSessions(existing.id),
    };
  }

  private async existingUser(name: string): Promise<User> {
    const username = normalizeUsername(name);
    const user = usernameProblem(username) === null ? await this.users.findByUsername(username) : null;
    if (!user) throw new UnknownUserError(username);
    return user;
  }
}

export type AdminOutcome = 'created' | 'promoted' | 'unchanged';
