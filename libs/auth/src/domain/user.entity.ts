import { Entity, Enum, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const Role = {
  USER: 'user',
  /** Reaches /v1/admin/: made only from the command line (`make admin`), never by registration. */
  ADMIN: 'admin',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

@Entity({ tableName: 'users' })
export class User {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** As registered, in NFC (see username.ts). */
  @Property({ type: 'string', length: 150 })
  @Unique({ name: 'users_username_unique' })
  username: string;

  /**
   * The folded name uniqueness is decided on (`Alice` and `alice` are one).
   * Accounts that differed only by case before the rule existed keep their
   * exact name reachable; the later ones got a key suffixed with their id.
   */
  @Property({ type: 'text' })
  @Unique({ name: 'users_username_key_unique' })
  usernameKey: string;

  /** argon2id PHC string (salt and parameters included). Never serialised. */
  @Property({ type: 'text', hidden: true, lazy: false })
  passwordHash: string;

  @Enum({ items: () => Role, default: Role.USER })
  role: Role = Role.USER;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'clock_timestamp()' })
  createdAt?: Date;
}
