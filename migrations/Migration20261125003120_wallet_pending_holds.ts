import { Migration } from '@mikro-orm/migrations';

export class Migration20261125003120_wallet_pending_holds extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "wallets" add column "pending_holds" int not null default 0;`);
    this.addSql(`alter table "wallets" add constraint wallets_pending_holds_check check(pending_holds >= 0);`);
    // Count the holds that are already pending, so that the counter starts true.
    this.addSql(
      `update "wallets" set "pending_holds" = (select count(*) from "holds" where "holds"."source_wallet_id" = "wallets"."id" and "holds"."status" = 'PENDING');`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "wallets" drop constraint wallets_pending_holds_check;`);
    this.addSql(`alter table "wallets" drop column "pending_holds";`);
  }
}
