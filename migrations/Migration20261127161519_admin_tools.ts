import { Migration } from '@mikro-orm/migrations';
import { hashChains } from '../libs/ledger/src/persistence/chain-backfill';

/**
 * Admin tools: roles, freezes, reversals (at most once per transfer, by a
 * unique index), the admin action log, and the tamper-evident chain of
 * operation hashes. Statements run in order, in the migration's transaction
 * (`execute`, not `addSql`), because the hashes of the rows already there are
 * computed between adding the column and making it NOT NULL.
 */
export class Migration20261127161519_admin_tools extends Migration {
  override async up(): Promise<void> {
    await this.execute(
      `create table "admin_actions" ("id" uuid not null, "admin_id" uuid null, "action" text check ("action" in ('PROMOTE', 'REVERSAL', 'FREEZE', 'UNFREEZE')) not null, "target" uuid not null, "reason" text null, "created_at" timestamptz(3) not null default clock_timestamp(), constraint "admin_actions_pkey" primary key ("id"));`,
    );
    await this.execute(`create index "admin_actions_created_at_index" on "admin_actions" ("created_at", "id");`);
    await this.execute(
      `alter table "admin_actions" add constraint "admin_actions_admin_id_foreign" foreign key ("admin_id") references "users" ("id") on update no action on delete no action;`,
    );
    // The log is append-only, like the ledger.
    await this.execute(
      `create trigger admin_actions_append_only before update or delete on "admin_actions" for each row execute function ledger_append_only();`,
    );
    await this.execute(
      `create trigger admin_actions_no_truncate before truncate on "admin_actions" for each statement execute function ledger_append_only();`,
    );

    await this.execute(`alter table "journal_entries" drop constraint if exists "journal_entries_type_check";`);
    await this.execute(`alter table "operations" drop constraint if exists "operations_type_check";`);
    await this.execute(`alter table "journal_entries" add column "reverses_id" uuid null;`);
    await this.execute(
      `alter table "journal_entries" add constraint "journal_entries_reverses_id_foreign" foreign key ("reverses_id") references "journal_entries" ("id") on update no action on delete no action;`,
    );
    await this.execute(
      `alter table "journal_entries" add constraint "journal_entries_type_check" check("type" in ('DEPOSIT', 'TRANSFER', 'REVERSAL'));`,
    );
    await this.execute(
      `alter table "journal_entries" add constraint "journal_entries_reverses_id_unique" unique ("reverses_id");`,
    );
    await this.execute(
      `alter table "operations" add constraint "operations_type_check" check("type" in ('DEPOSIT', 'TRANSFER', 'REVERSAL'));`,
    );

    await this.execute(
      `alter table "users" add column "role" text check ("role" in ('user', 'admin')) not null default 'user';`,
    );
    await this.execute(
      `alter table "wallets" add column "chain_head" varchar(64) null, add column "frozen_at" timestamptz(3) null;`,
    );

    await this.execute(`alter table "operations" add column "hash" varchar(64) null;`);
    await this.execute(`alter table "operations" disable trigger operations_append_only;`);
    await hashChains((sql, params) => this.execute(sql, params));
    await this.execute(`alter table "operations" enable trigger operations_append_only;`);
    await this.execute(`alter table "operations" alter column "hash" set not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "admin_actions" cascade;`);
    this.addSql(`alter table "journal_entries" drop constraint if exists "journal_entries_type_check";`);
    this.addSql(`alter table "journal_entries" drop constraint "journal_entries_reverses_id_foreign";`);
    this.addSql(`alter table "operations" drop constraint if exists "operations_type_check";`);
    this.addSql(`alter table "journal_entries" drop constraint "journal_entries_reverses_id_unique";`);
    this.addSql(`alter table "journal_entries" drop column "reverses_id";`);
    this.addSql(
      `alter table "journal_entries" add constraint "journal_entries_type_check" check("type" in ('DEPOSIT', 'TRANSFER'));`,
    );
    this.addSql(`alter table "operations" drop column "hash";`);
    this.addSql(
      `alter table "operations" add constraint "operations_type_check" check("type" in ('DEPOSIT', 'TRANSFER'));`,
    );
    this.addSql(`alter table "users" drop column "role";`);
    this.addSql(`alter table "wallets" drop column "chain_head", drop column "frozen_at";`);
  }
}
