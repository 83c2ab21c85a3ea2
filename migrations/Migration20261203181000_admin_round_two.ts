import { Migration } from '@mikro-orm/migrations';

/**
 * Admin reads, round two. The action log learns HOLD_VOID (an operator voided
 * a hold; target: the hold): the check constraint is replaced NOT VALID (a
 * brief lock; rows are checked as they are written) and validated after the
 * migrations commit. Two indexes serve the new reads: the action log of one
 * target, newest first, and a wallet's holds, newest first (both keyset paged).
 */
export class Migration20261203181000_admin_round_two extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "admin_actions" drop constraint if exists "admin_actions_action_check";`);
    this.addSql(
      `alter table "admin_actions" add constraint "admin_actions_action_check" check ("action" in ('PROMOTE', 'DEMOTE', 'END_SESSIONS', 'REVERSAL', 'FREEZE', 'UNFREEZE', 'HOLD_VOID')) not valid;`,
    );
    this.addSql(`create index "admin_actions_target_index" on "admin_actions" ("target", "created_at", "id");`);
    this.addSql(`create index "holds_source_created_at_index" on "holds" ("source_wallet_id", "created_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "holds_source_created_at_index";`);
    this.addSql(`drop index if exists "admin_actions_target_index";`);
    this.addSql(`alter table "admin_actions" drop constraint if exists "admin_actions_action_check";`);
    this.addSql(
      `alter table "admin_actions" add constraint "admin_actions_action_check" check ("action" in ('PROMOTE', 'DEMOTE', 'END_SESSIONS', 'REVERSAL', 'FREEZE', 'UNFREEZE')) not valid;`,
    );
  }
}
