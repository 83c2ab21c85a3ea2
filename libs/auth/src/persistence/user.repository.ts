import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { oneOff, Statements } from '@app/persistence';
import { type Role, User } from '../domain/user.entity';
import { usernameKey } from '../domain/username';

const ROLE_OF = oneOff('users_role_of', 'select role from users where id = $1::uuid');

const SET_ROLE = oneOff('users_set_role', 'update users set role = $2::text where id = $1::uuid');

/** connect-pg-simple's table: the session JSON holds passport's {id, username}. Answers how many rows went. */
const END_SESSIONS = oneOff(
  'users_end_sessions',
  `with ended as (delete from session where sess -> 'passport' -> 'user' ->> 'id' = $1::text returning 1)
select count(*)::int as ended from ended`,
);

@Injectable()
export class UserRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly statements: Statements,
  ) {}

  /**
   * The account a login names: the exact name first (accounts from before the
   * case-insensitive rule stay reachable), else the one whose folded key matches.
   */
  async findByUsername(username: string): Promise<User | null> {
    const found = await this.em.find(User, { $or: [{ username }, { usernameKey: usernameKey(username) }] });
    return found.find((user) => user.username === username) ?? found[0] ?? null;
  }

  findById(id: string): Promise<User | null> {
    return this.em.findOne(User, { id });
  }

  add(username: string, passwordHash: string, role?: Role): User {
    const user = new User();
    user.username = username;
    user.usernameKey = usernameKey(username);
    user.passwordHash = passwordHash;
    if (role) user.role = role;
    this.em.persist(user);
    return user;
  }

  /** The user's role as stored now (not as any identity map remembers it); null for an unknown id. */
  async roleOf(id: string): Promise<Role | null> {
    const [row] = await this.statements.read<{ role: Role }>(ROLE_OF, [id]);
    return row?.role ?? null;
  }

  /** In the caller's unit of work. */
  async setRole(id: string, role: Role): Promise<void> {
    await this.statements.run(SET_ROLE, [id, role]);
  }

  /**
   * Deletes every session of the user (connect-pg-simple's table: the session
   * JSON holds passport's {id, username}); each of their cookies then answers
   * 401 on every instance, since sessions are read from this table on each
   * request. Answers how many there were. In the caller's unit of work.
   */
  async endSessions(userId: string): Promise<number> {
    const [{ ended }] = await this.statements.run<{ ended: number }>(END_SESSIONS, [userId]);
    return ended;
  }

  /**
   * Users whose name starts with `prefix`, in name order, after `afterUsername`
   * (keyset paging over users_username_unique).
   */
  search(prefix: string, afterKey: string | undefined, limit: number): Promise<User[]> {
    return this.em.find(
      User,
      {
        ...(prefix ? { usernameKey: { $like: `${escapeLike(usernameKey(prefix))}%` } } : {}),
        ...(afterKey !== undefined ? { $and: [{ usernameKey: { $gt: afterKey } }] } : {}),
      },
      { orderBy: { usernameKey: 'asc' }, limit },
    );
  }
}

/** A LIKE pattern that matches `text` literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
