import type { Role } from './user.entity';

/** What the session keeps about the logged-in user: enough to serve requests without a lookup. */
export interface SessionUser {
  id: string;
  username: string;
  /**
   * Present on admin routes only, read from the database by the auth guard on
   * that request: a role is never trusted from the session.
   */
  role?: Role;
}
