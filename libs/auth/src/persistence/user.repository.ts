import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { User } from '../domain/user.entity';

@Injectable()
export class UserRepository {
  constructor(private readonly em: EntityManager) {}

  findByUsername(username: string): Promise<User | null> {
    return this.em.findOne(User, { username });
  }

  add(username: string, passwordHash: string): User {
    const user = new User();
    user.username = username;
    user.passwordHash = passwordHash;
    this.em.persist(user);
    return user;
  }
}
