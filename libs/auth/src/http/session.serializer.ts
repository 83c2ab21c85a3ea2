import { Injectable } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import type { SessionUser } from '../domain/session-user';

/**
 * The session holds {id, username}; deserialising is a copy, with no database
 * lookup and no EntityManager (a session is loaded by the auth guard, and what
 * a request needs of its user is in it).
 */
@Injectable()
export class SessionSerializer extends PassportSerializer {
  serializeUser(user: SessionUser, done: (error: unknown, payload: SessionUser) => void): void {
    done(null, { id: user.id, username: user.username });
  }

  deserializeUser(payload: SessionUser, done: (error: unknown, user: SessionUser) => void): void {
    done(null, { id: payload.id, username: payload.username });
  }
}
