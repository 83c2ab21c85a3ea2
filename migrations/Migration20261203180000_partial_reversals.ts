import { Migration } from '@mikro-orm/migrations';

/**
 * Partial reversals and deposit reversals, and the admin action log line
 * of a reversal records its amount and entry: "a transfer is reversed at most
 * once" becomes "an entry's reversals never add up to more than it".
 *
 * The bound lives on the appended REVERSAL rows themselves (the ledger stays
 * append-only; no counter is ever updated). Each REVERSAL entry of an entry
 * carries its step (`reversal_number` 1, 2, 3, ...), the total reversed with
 * it (`reversed_total`, cumulative) and the reversed entry's amount
 * (`reverses_amount`):
 *  - unique (reverses_id, reversal_number): two writers of the same step
 *    cannot both commit (the second waits on the index, then fails), as the
 *    old unique index on reverses_id made two reversals impossible;
 *  - check: reversed_total > 0 and reversed_total <= reverses_amount;
 *  - a BEFORE INSERT trigger on REVERSAL rows: `reverses_amount` is the
 *    reversed entry's amount (its positive leg), that entry is a TRANSFER or a
 *    DEPOSIT, step 1 starts from zero and step n > 1 grows the committed total
 *    of step n - 1 (a step whose predecessor is not committed is refused).
 * So the committed steps of an entry form a chain 1..k of growing totals,
 * the last of which is what was reversed, never above the entry's amount.
 *
 * The REVERSAL rows written before this migration were full reversals (at
 * most one per transfer): they become step 1 with the whole amount. The new
 * check is added NOT VALID (rows are checked as they are written) and
 * validated after the migrations commit.
 */
export class Migration20261203180000_partial_reversals extends Migration {
  override async up(): Promise<void> {
    await this.execute(
      `alter table "journal_entries" add column "reversal_number" integer null, add column "reversed_total" numeric(20,2) null, add column "reverses_amount" numeric(20,2) null;`,
    );
    await this.execute(`alter table "journal_entries" disable trigger journal_entries_append_only;`);
    await this.execute(
      `update "journal_entries" r
          set reversal_number = 1, reversed_total = o.amount, reverses_amount = o.amount
         from "operations" o
        where r.reverses_id is not null and o.transfer_id = r.reverses_id and o.amount > 0;`,
    );
    await this.execute(`alter table "journal_entries" enable trigger journal_entries_append_only;`);

    await this.execute(`alter table "journal_entries" drop constraint "journal_entries_reverses_id_unique";`);
    await this.execute(
      `alter table "journal_entries" add constraint "journal_entries_reversal_number_unique" unique ("reverses_id", "reversal_number");`,
    );
    await this.execute(
      `alter table "journal_entries" add constraint "journal_entries_reversal_check" check (${REVERSAL_CHECK}) not valid;`,
    );
    await this.execute(`create function journal_entries_reversal_bound() returns trigger language plpgsql as $$
declare
  original_type text;
  original_amount numeric;
  total_before numeric;
begin
  select e.type, (select sum(o.amount) from operations o where o.transfer_id = e.id and o.amount > 0)
    into original_type, original_amount
    from journal_entries e
   where e.id = new.reverses_id;
  if original_type is null or original_type not in ('TRANSFER', 'DEPOSIT') then
    raise exception 'journal entry % is not a reversible entry', new.reverses_id
      using errcode = 'check_violation', constraint = 'journal_entries_reversal_check', table = 'journal_entries';
  end if;
  if new.reverses_amount is distinct from original_amount then
    raise exception 'reverses_amount % is not the amount % of entry %', new.reverses_amount, original_amount, new.reverses_id
      using errcode = 'check_violation', constraint = 'journal_entries_reversal_check', table = 'journal_entries';
  end if;
  if new.reversal_number = 1 then
    total_before := 0;
  else
    select r.reversed_total into total_before
      from journal_entries r
     where r.reverses_id = new.reverses_id and r.reversal_number = new.reversal_number - 1;
    if not found then
      raise exception 'reversal % of entry % has no committed predecessor', new.reversal_number, new.reverses_id
        using errcode = 'check_violation', constraint = 'journal_entries_reversal_check', table = 'journal_entries';
    end if;
  end if;
  if new.reversed_total is null or new.reversed_total <= total_before then
    raise exception 'reversal % of entry % must add to the % reversed before it', new.reversal_number, new.reverses_id, total_before
      using errcode = 'check_violation', constraint = 'journal_entries_reversal_check', table = 'journal_entries';
  end if;
  return new;
end $$;`);

    // The admin action log line of a reversal records its amount and its REVERSAL entry (null for other actions).
    await this.execute(
      `alter table "admin_actions" add column "amount" numeric(20,2) null, add column "entry_id" uuid null;`,
    );
    await this.execute(
      `alter table "admin_actions" add constraint "admin_actions_entry_id_foreign" foreign key ("entry_id") references "journal_entries" ("id") on update no action on delete no action;`,
    );
    await this.execute(
      `create trigger journal_entries_reversal_bound before insert on "journal_entries" for each row when (new.reverses_id is not null) execute function journal_entries_reversal_bound();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "admin_actions" drop constraint if exists "admin_actions_entry_id_foreign";`);
    this.addSql(`alter table "admin_actions" drop column "amount", drop column "entry_id";`);
    this.addSql(`drop trigger if exists journal_entries_reversal_bound on "journal_entries";`);
    this.addSql(`drop function if exists journal_entries_reversal_bound();`);
    this.addSql(`alter table "journal_entries" drop constraint if exists "journal_entries_reversal_check";`);
    this.addSql(`alter table "journal_entries" drop constraint if exists "journal_entries_reversal_number_unique";`);
    this.addSql(
      `alter table "journal_entries" drop column "reversal_number", drop column "reversed_total", drop column "reverses_amount";`,
    );
    // Fails while an entry has several reversals: those cannot go back to "at most once".
    this.addSql(
      `alter table "journal_entries" add constraint "journal_entries_reverses_id_unique" unique ("reverses_id");`,
    );
  }
}

/** Also declared on the JournalEntry entity (journal_entries_reversal_check). */
const REVERSAL_CHECK = `(type <> 'REVERSAL' and reverses_id is null and reversal_number is null and reversed_total is null and reverses_amount is null)
  or (type = 'REVERSAL' and reverses_id is not null and reversal_number >= 1
      and reversed_total > 0 and reversed_total <= reverses_amount)`;
