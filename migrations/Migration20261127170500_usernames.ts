import { Migration } from '@mikro-orm/migrations';
import { usernameKey } from '../libs/auth/src/domain/username';

const BATCH = 5_000;

/**
 * Usernames are unique ignoring case (libs/auth/src/domain/username.ts): a
 * folded key per user with a unique index. Keys are computed by the same
 * function the service uses, in batches. Accounts that already differ only by
 * case all stay reachable by their exact name: the oldest keeps the plain
 * key, each later one gets its key suffixed with its id.
 */
export class Migration20261127170500_usernames extends Migration {
  override async up(): Promise<void> {
    await this.execute(`alter table "users" add column "username_key" text null;`);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const users = (await this.execute(`select id, username from users where id > ? order by id limit ${BATCH}`, [
        after,
      ])) as { id: string; username: string }[];
      if (users.length === 0) break;
      await this.execute(
        `update users set username_key = v.key from (values ${users.map(() => '(?::uuid, ?)').join(', ')}) as v (id, key)
          where users.id = v.id`,
        users.flatMap((user) => [user.id, usernameKey(user.username)]),
      );
      after = users.at(-1)!.id;
    }
    await this.execute(
      `update users u set username_key = u.username_key || '#' || u.id
        where exists (select 1 from users o where o.username_key = u.username_key
                                              and (o.created_at, o.id) < (u.created_at, u.id))`,
    );
    await this.execute(`alter table "users" alter column "username_key" set not null;`);
    await this.execute(`alter table "users" add constraint "users_username_key_unique" unique ("username_key");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop constraint "users_username_key_unique";`);
    this.addSql(`alter table "users" drop column "username_key";`);
  }
}
