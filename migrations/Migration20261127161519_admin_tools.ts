import { Migration } from '@mikro-orm/migrations';
import { GENESIS_HASH, type HashedFields, operationHash } from '../libs/ledger/src/domain/operation-hash';

/** Rows hashed per statement by the backfill: bounded memory whatever the ledger's size. */
const BATCH = 5_000;

interface LegRow {
  id: string;
  transfer_id: string;
  type: string;
  wallet_id: string;
  source_wallet_id: string;
  destination_wallet_id: string;
  amount: string;
  sequence: string | null;
  balance_after: string | null;
  timestamp: Date;
  anchor?: string;
}

const LEG_COLUMNS = `o.id, o.transfer_id, o.type, o.wallet_id, o.source_wallet_id, o.destination_wallet_id,
  o.amount::text as amount, o.sequence::text as sequence, o.balance_after::text as balance_after, o.timestamp`;

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
    await this.hashUserLegs();
    await this.hashSystemLegs();
    await this.execute(`alter table "operations" enable trigger operations_append_only;`);
    await this.execute(`alter table "operations" alter column "hash" set not null;`);
  }

  /** Each user wallet's chain, in sequence order, in batches; the wallet keeps its head. */
  private async hashUserLegs(): Promise<void> {
    let afterWallet = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const wallets = await this.execute(
        `select id from wallets where kind = 'USER' and last_sequence > 0 and id > ? order by id limit ${BATCH}`,
        [afterWallet],
      );
      if (wallets.length === 0) return;
      for (const { id: walletId } of wallets as { id: string }[]) {
        let previous = GENESIS_HASH;
        let afterSequence = 0;
        for (;;) {
          const legs = (await this.execute(
            `select ${LEG_COLUMNS} from operations o where o.wallet_id = ? and o.sequence > ? order by o.sequence limit ${BATCH}`,
            [walletId, afterSequence],
          )) as LegRow[];
          if (legs.length === 0) break;
          const hashes = legs.map((leg) => (previous = operationHash(fields(leg), previous)));
          await this.writeHashes(legs, hashes);
          afterSequence = Number(legs.at(-1)!.sequence);
        }
        await this.execute(`update wallets set chain_head = ? where id = ?`, [previous, walletId]);
      }
      afterWallet = (wallets.at(-1) as { id: string }).id;
    }
  }

  /** System legs chain to their entry's user leg (hashed above), as PostingService does. */
  private async hashSystemLegs(): Promise<void> {
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const legs = (await this.execute(
        `select ${LEG_COLUMNS},
                (select u.hash from operations u where u.transfer_id = o.transfer_id and u.sequence is not null
                  order by u.wallet_id limit 1) as anchor
           from operations o
          where o.sequence is null and o.id > ?
          order by o.id
          limit ${BATCH}`,
        [afterId],
      )) as LegRow[];
      if (legs.length === 0) return;
      await this.writeHashes(
        legs,
        legs.map((leg) => operationHash(fields(leg), leg.anchor ?? GENESIS_HASH)),
      );
      afterId = legs.at(-1)!.id;
    }
  }

  private async writeHashes(legs: LegRow[], hashes: string[]): Promise<void> {
    const params = legs.flatMap((leg, i) => [leg.id, hashes[i]]);
    await this.execute(
      `update operations set hash = v.hash
         from (values ${legs.map(() => '(?::uuid, ?)').join(', ')}) as v (id, hash)
        where operations.id = v.id`,
      params,
    );
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

function fields(leg: LegRow): HashedFields {
  return {
    id: leg.id,
    transferId: leg.transfer_id,
    type: leg.type,
    walletId: leg.wallet_id,
    sourceWalletId: leg.source_wallet_id,
    destinationWalletId: leg.destination_wallet_id,
    amount: leg.amount,
    sequence: leg.sequence === null ? null : Number(leg.sequence),
    balanceAfter: leg.balance_after,
    timestamp: new Date(leg.timestamp),
  };
}
