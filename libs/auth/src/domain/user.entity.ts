import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

@Entity({ tableName: 'users' })
export class User {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 150 })
  @Unique({ name: 'users_username_unique' })
  username: string;

  /** argon2id PHC string (salt and parameters included). Never serialised. */
  @Property({ type: 'text', hidden: true, lazy: false })
  passwordHash: string;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'clock_timestamp()' })
  createdAt?: Date;
}
