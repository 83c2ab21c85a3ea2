import { Migration } from '@mikro-orm/migrations';

/**
 * Counters of the login and registration throttles (rate-limiter-flexible's
 * PostgreSQL store, its own schema: key, points, expire in epoch
 * milliseconds). Created here, never at run time (the store is told
 * `tableCreated: true`). Not an entity. The expire index serves the purge of
 * expired counters.
 */
export class Migration20261128090000_rate_limits extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "rate_limits" ("key" varchar(255) not null, "points" integer not null default 0, "expire" bigint null, constraint "rate_limits_pkey" primary key ("key"));`,
    );
    this.addSql(`create index "rate_limits_expire_index" on "rate_limits" ("expire");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rate_limits";`);
  }
}
