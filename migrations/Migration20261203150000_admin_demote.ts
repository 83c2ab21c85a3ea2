import { Migration } from '@mikro-orm/migrations';

/**
 * The admin action log learns two commands of the command line: DEMOTE (an
 * admin made a user again, their sessions ended) and END_SESSIONS. The check
 * constraint is replaced NOT VALID (a brief lock; rows are checked as they
 * are written) and validated after the migrations commit.
 */
export class Migration20261203150000_admin_demote extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "admin_actions" drop constraint if exists "admin_actions_action_check";`);
    this.addSql(
      `alter table "admin_actions" add constraint "admin_actions_action_check" check ("action" in ('PROMOTE', 'DEMOTE', 'END_SESSIONS', 'REVERSAL', 'FREEZE', 'UNFREEZE')) not valid;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "admin_actions" drop constraint if exists "admin_actions_action_check";`);
    this.addSql(
      `alter table "admin_actions" add constraint "admin_actions_action_check" check ("action" in ('PROMOTE', 'REVERSAL', 'FREEZE', 'UNFREEZE')) not valid;`,
    );
  }
}
