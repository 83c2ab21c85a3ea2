import { Migration } from '@mikro-orm/migrations';

/** Holds past their expiry are marked EXPIRED by the expiry sweeper. */
export class Migration20261127170000_hold_expiry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "holds" drop constraint if exists "holds_status_check";`);
    this.addSql(
      `alter table "holds" add constraint "holds_status_check" check("status" in ('PENDING', 'CAPTURED', 'VOIDED', 'EXPIRED'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`update "holds" set "status" = 'PENDING', "resolved_at" = null where "status" = 'EXPIRED';`);
    this.addSql(`alter table "holds" drop constraint if exists "holds_status_check";`);
    this.addSql(
      `alter table "holds" add constraint "holds_status_check" check("status" in ('PENDING', 'CAPTURED', 'VOIDED'));`,
    );
  }
}
