import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type Role, User } from '../domain/user.entity';
import { usernameKey } from '../domain/username';

@Injectable()
export class UserRepository {
  constructor(private readonly em: EntityManager) {}

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
    const [row] = await this.em.execute<{ role: Role }[]>('select role from users where id = ?', [id]);
    return row?.role ?? null;
  }

  async setRole(id: string, role: Role): Promise<void> {
    await this.em.execute('update users set role = ? where id = ?', [role, id]);
  }

  /**
   * Deletes every session of the user (connect-pg-simple's table: the session
   * JSON holds passport's {id, username}); each of their cookies then answers
   * 401 on every instance, since sessions are read from this table on each
   * request. Answers how many there were.
   */
  async endSessions(userId: string): Promise<number> {
    const result = await this.em.execute<{ affectedRows: number }>(
      `delete from session where sess -> 'passport' -> 'user' ->> 'id' = ?`,
      [userId],
      'run',
    );
    return result.affectedRows;
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
