import { Migration } from '@mikro-orm/migrations';

export class Migration20261124234851_ledger_guarantees extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "idempotency_keys" ("user_id" uuid not null, "key" varchar(255) not null, "fingerprint" varchar(64) not null, "response_status" smallint null, "response_body" text null, "created_at" timestamptz(3) not null default clock_timestamp(), "expires_at" timestamptz(3) not null, constraint "idempotency_keys_pkey" primary key ("user_id", "key"));`,
    );
    this.addSql(`create index "idempotency_keys_expires_at_index" on "idempotency_keys" ("expires_at");`);

    this.addSql(
      `create table "holds" ("id" uuid not null, "source_wallet_id" uuid not null, "destination_wallet_id" uuid not null, "amount" numeric(20,2) not null, "status" text check ("status" in ('PENDING', 'CAPTURED', 'VOIDED')) not null default 'PENDING', "expires_at" timestamptz(3) not null, "captured_amount" numeric(20,2) null, "transfer_id" uuid null, "created_at" timestamptz(3) not null default clock_timestamp(), "resolved_at" timestamptz(3) null, constraint "holds_pkey" primary key ("id"), constraint holds_amounts_check check (amount > 0 and (captured_amount is null or (captured_amount > 0 and captured_amount <= amount))));`,
    );
    this.addSql(`create index "holds_source_status_index" on "holds" ("source_wallet_id", "status");`);

    this.addSql(
      `alter table "holds" add constraint "holds_source_wallet_id_foreign" foreign key ("source_wallet_id") references "wallets" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "holds" add constraint "holds_destination_wallet_id_foreign" foreign key ("destination_wallet_id") references "wallets" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "holds" add constraint "holds_transfer_id_foreign" foreign key ("transfer_id") references "journal_entries" ("id") on update no action on delete no action;`,
    );

    // The ledger stays append-only against TRUNCATE too (row triggers do not fire on it).
    this.addSql(
      `create trigger operations_no_truncate before truncate on "operations" for each statement execute function ledger_append_only();`,
    );
    this.addSql(
      `create trigger journal_entries_no_truncate before truncate on "journal_entries" for each statement execute function ledger_append_only();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists operations_no_truncate on "operations";`);
    this.addSql(`drop trigger if exists journal_entries_no_truncate on "journal_entries";`);
    this.addSql(`drop table if exists "holds" cascade;`);
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);
  }
}
