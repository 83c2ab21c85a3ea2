import { Migration } from '@mikro-orm/migrations';

export class Migration20261124232354_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "journal_entries" ("id" uuid not null, "type" text check ("type" in ('DEPOSIT', 'TRANSFER')) not null, "created_at" timestamptz(3) not null default clock_timestamp(), constraint "journal_entries_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "users" ("id" uuid not null, "username" varchar(150) not null, "password_hash" text not null, "created_at" timestamptz(3) not null default clock_timestamp(), constraint "users_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);

    this
      .addSql(`create table "wallets" ("id" uuid not null, "user_id" uuid null, "kind" text check ("kind" in ('USER', 'SYSTEM')) not null, "balance" numeric(20,2) null, "last_sequence" bigint null, "created_at" timestamptz(3) not null default clock_timestamp(), constraint "wallets_pkey" primary key ("id"), constraint wallets_running_balance_check check ((kind = 'USER' and balance is not null and balance >= 0 and last_sequence is not null and last_sequence >= 0)
    or (kind = 'SYSTEM' and balance is null and last_sequence is null)));`);
    this.addSql(`alter table "wallets" add constraint "wallets_user_id_unique" unique ("user_id");`);

    this.addSql(
      `create table "operations" ("id" uuid not null, "transfer_id" uuid not null, "wallet_id" uuid not null, "source_wallet_id" uuid not null, "destination_wallet_id" uuid not null, "type" text check ("type" in ('DEPOSIT', 'TRANSFER')) not null, "amount" numeric(20,2) not null, "sequence" bigint null, "balance_after" numeric(20,2) null, "timestamp" timestamptz(3) not null default clock_timestamp(), constraint "operations_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "operations_transfer_id_index" on "operations" ("transfer_id");`);
    this.addSql(
      `create index "operations_wallet_timestamp_index" on "operations" ("wallet_id", "timestamp", "sequence");`,
    );
    this.addSql(
      `alter table "operations" add constraint "operations_wallet_sequence_unique" unique ("wallet_id", "sequence");`,
    );

    this.addSql(
      `alter table "wallets" add constraint "wallets_user_id_foreign" foreign key ("user_id") references "users" ("id") on update no action on delete no action;`,
    );

    this.addSql(
      `alter table "operations" add constraint "operations_transfer_id_foreign" foreign key ("transfer_id") references "journal_entries" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "operations" add constraint "operations_wallet_id_foreign" foreign key ("wallet_id") references "wallets" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "operations" add constraint "operations_source_wallet_id_foreign" foreign key ("source_wallet_id") references "wallets" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "operations" add constraint "operations_destination_wallet_id_foreign" foreign key ("destination_wallet_id") references "wallets" ("id") on update no action on delete no action;`,
    );
    // Sessions of express-session (connect-pg-simple's schema): not an entity.
    this.addSql(
      `create table "session" ("sid" varchar not null, "sess" json not null, "expire" timestamp(6) not null, constraint "session_pkey" primary key ("sid"));`,
    );
    this.addSql(`create index "session_expire_index" on "session" ("expire");`);

    // The system funding wallet every deposit is debited from (FUNDING_WALLET_ID).
    this.addSql(
      `insert into "wallets" ("id", "user_id", "kind", "balance", "last_sequence") values ('00000000-0000-4000-8000-000000000001', null, 'SYSTEM', null, null);`,
    );

    // The ledger is append-only: corrections are new entries, never edits.
    this.addSql(`create function ledger_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'ledger rows are append-only: % on % refused', tg_op, tg_table_name using errcode = 'P0001';
      end $$;`);
    this.addSql(
      `create trigger operations_append_only before update or delete on "operations" for each row execute function ledger_append_only();`,
    );
    this.addSql(
      `create trigger journal_entries_append_only before update or delete on "journal_entries" for each row execute function ledger_append_only();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "operations" drop constraint "operations_transfer_id_foreign";`);

    this.addSql(`alter table "wallets" drop constraint "wallets_user_id_foreign";`);

    this.addSql(`alter table "operations" drop constraint "operations_wallet_id_foreign";`);

    this.addSql(`alter table "operations" drop constraint "operations_source_wallet_id_foreign";`);

    this.addSql(`alter table "operations" drop constraint "operations_destination_wallet_id_foreign";`);

    this.addSql(`drop table if exists "session" cascade;`);
    this.addSql(`drop table if exists "journal_entries" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);

    this.addSql(`drop table if exists "wallets" cascade;`);

    this.addSql(`drop table if exists "operations" cascade;`);
    this.addSql(`drop function if exists ledger_append_only();`);
  }
}
