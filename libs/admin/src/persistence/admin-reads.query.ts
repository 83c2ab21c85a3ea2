import { Injectable } from '@nestjs/common';
import type { EntryType, HoldStatus } from '@app/ledger';
import { Money } from '@app/money';
import { oneOff, Statements } from '@app/persistence';

/** A hold as operators see it: its state as of the database's clock (a pending hold past expiry reads EXPIRED). */
export interface AdminHold {
  id: string;
  sourceWalletId: string;
  destinationWalletId: string;
  destinationUsername: string | null;
  amount: Money;
  capturedAmount: Money | null;
  status: HoldStatus;
  expiresAt: Date;
  createdAt: Date;
}

/** A position in a wallet's holds, newest first: (created_at, id) of the last hold served. */
export interface HoldPosition {
  walletId: string;
  createdAt: Date;
  id: string;
}

/** How much of an entry has been reversed, and what it reverses itself (a REVERSAL). */
export interface ReversalFacts {
  reverses: string | null;
  /** The sum of its REVERSAL entries' amounts; null while nothing is reversed. */
  reversedAmount: Money | null;
}

/** One journal entry with its parties, what it moved and its reversals. */
export interface EntryView extends ReversalFacts {
  id: string;
  type: EntryType;
  createdAt: Date;
  amount: Money;
  sourceWalletId: string;
  sourceUsername: string | null;
  destinationWalletId: string;
  destinationUsername: string | null;
  reversals: { id: string; amount: Money; createdAt: Date }[];
}

export interface Lookup {
  kind: 'user' | 'wallet' | 'transfer';
  userId: string | null;
  walletId: string | null;
  transferId: string | null;
}

/** The freeze action that froze a wallet. */
export interface FreezeRecord {
  reason: string | null;
  adminUsername: string | null;
  at: Date;
}

const HOLD_COLUMNS = `h.id, h.source_wallet_id, h.destination_wallet_id, du.username as destination_username,
       h.amount::text as amount, h.captured_amount::text as captured_amount,
       case when h.status = 'PENDING' and h.expires_at <= clock_timestamp() then 'EXPIRED' else h.status end as status,
       h.expires_at, h.created_at
  from holds h
  left join wallets dw on dw.id = h.destination_wallet_id
  left join users du on du.id = dw.user_id`;

interface HoldRow {
  id: string;
  source_wallet_id: string;
  destination_wallet_id: string;
  destination_username: string | null;
  amount: string;
  captured_amount: string | null;
  status: HoldStatus;
  expires_at: Date;
  created_at: Date;
}

const USERNAMES_OF_WALLETS = oneOff(
  'admin_usernames_of_wallets',
  `select w.id, u.username from wallets w left join users u on u.id = w.user_id
 where w.id = any($1::uuid[])`,
);

const REVERSAL_FACTS = oneOff(
  'admin_reversal_facts',
  `select e.id, e.reverses_id,
       (select sum(o.amount)::text from journal_entries r
          join operations o on o.transfer_id = r.id and o.amount > 0
         where r.reverses_id = e.id) as reversed
  from journal_entries e
 where e.id = any($1::uuid[])`,
);

const FREEZE_OF = oneOff(
  'admin_freeze_of',
  `select a.reason, u.username, a.created_at
  from admin_actions a left join users u on u.id = a.admin_id
 where a.target = $1::uuid and a.action = 'FREEZE'
 order by a.created_at desc, a.id desc
 limit 1`,
);

/** After $2/$3 (null: from the newest); unnamed, so the condition of a null position folds away. */
const HOLDS_OF = oneOff(
  'admin_holds_of',
  `select ${HOLD_COLUMNS}
 where h.source_wallet_id = $1::uuid
   and ($2::timestamptz is null or (h.created_at, h.id) < ($2::timestamptz, $3::uuid))
 order by h.created_at desc, h.id desc
 limit $4::bigint`,
);

const HOLD = oneOff('admin_hold', `select ${HOLD_COLUMNS} where h.id = $1::uuid`);

const ENTRY = oneOff(
  'admin_entry',
  `select e.id, e.type, e.created_at, e.reverses_id, o.amount::text as amount,
       o.source_wallet_id, su.username as source_username,
       o.destination_wallet_id, du.username as destination_username
  from journal_entries e
  join operations o on o.transfer_id = e.id and o.amount > 0
  left join wallets sw on sw.id = o.source_wallet_id
  left join users su on su.id = sw.user_id
  left join wallets dw on dw.id = o.destination_wallet_id
  left join users du on du.id = dw.user_id
 where e.id = $1::uuid
 limit 1`,
);

const REVERSALS_OF = oneOff(
  'admin_reversals_of',
  `select r.id, o.amount::text as amount, r.created_at
  from journal_entries r
  join operations o on o.transfer_id = r.id and o.amount > 0
 where r.reverses_id = $1::uuid
 order by r.created_at, r.id`,
);

const LOOKUP = oneOff(
  'admin_lookup',
  `select 'user' as kind, u.id as user_id, w.id as wallet_id, null::uuid as transfer_id
  from users u left join wallets w on w.user_id = u.id where u.id = $1::uuid
union all
select 'wallet', w.user_id, w.id, null from wallets w where w.id = $1::uuid
union all
select 'transfer', null, null, e.id from journal_entries e where e.id = $1::uuid
 limit 1`,
);

/**
 * The operators' read model: what their screens show across features
 * (usernames beside wallet ids, a wallet's holds, an entry with its
 * reversals, what an id names), read-only and one statement per page, never
 * one per row. It reads the features' tables directly, as the action log's
 * page does, because these are joins no single feature owns; every write
 * still goes through the features' services. Called inside ReplicaReads.
 */
@Injectable()
export class AdminReadsQuery {
  constructor(private readonly statements: Statements) {}

  /** The owner's username of each wallet (null for the funding wallet); one statement for all of them. */
  async usernamesOfWallets(walletIds: Iterable<string>): Promise<Map<string, string | null>> {
    const ids = [...new Set(walletIds)];
    if (ids.length === 0) return new Map();
    const rows = await this.statements.read<{ id: string; username: string | null }>(USERNAMES_OF_WALLETS, [ids]);
    return new Map(rows.map((row) => [row.id, row.username]));
  }

  /** What each entry reverses and how much of it has been reversed so far; one statement for all of them. */
  async reversalFacts(entryIds: Iterable<string>): Promise<Map<string, ReversalFacts>> {
    const ids = [...new Set(entryIds)];
    if (ids.length === 0) return new Map();
    const rows = await this.statements.read<{ id: string; reverses_id: string | null; reversed: string | null }>(
      REVERSAL_FACTS,
      [ids],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        { reverses: row.reverses_id, reversedAmount: row.reversed === null ? null : Money.of(row.reversed) },
      ]),
    );
  }

  /** The FREEZE line that froze the wallet: the newest one on it (admin_actions_target_index). */
  async freezeOf(walletId: string): Promise<FreezeRecord | null> {
    const [row] = await this.statements.read<{ reason: string | null; username: string | null; created_at: Date }>(
      FREEZE_OF,
      [walletId],
    );
    return row ? { reason: row.reason, adminUsername: row.username, at: new Date(row.created_at) } : null;
  }

  /** Holds the wallet placed, newest first, after `after` (holds_source_created_at_index). */
  async holdsOf(walletId: string, after: HoldPosition | undefined, limit: number): Promise<AdminHold[]> {
    const rows = await this.statements.read<HoldRow>(HOLDS_OF, [
      walletId,
      after?.createdAt ?? null,
      after?.id ?? null,
      limit,
    ]);
    return rows.map(toHold);
  }

  async hold(id: string): Promise<AdminHold | null> {
    const [row] = await this.statements.read<HoldRow>(HOLD, [id]);
    return row ? toHold(row) : null;
  }

  /** One journal entry with its parties and reversals; null when no entry has this id. */
  async entry(id: string): Promise<EntryView | null> {
    const [row] = await this.statements.read<{
      id: string;
      type: EntryType;
      created_at: Date;
      reverses_id: string | null;
      amount: string;
      source_wallet_id: string;
      source_username: string | null;
      destination_wallet_id: string;
      destination_username: string | null;
    }>(ENTRY, [id]);
    if (!row) return null;
    const reversals = await this.statements.read<{ id: string; amount: string; created_at: Date }>(REVERSALS_OF, [id]);
    const reversed = reversals.reduce((sum, reversal) => sum.plus(Money.of(reversal.amount)), Money.ZERO);
    return {
      id: row.id,
      type: row.type,
      createdAt: new Date(row.created_at),
      amount: Money.of(row.amount),
      sourceWalletId: row.source_wallet_id,
      sourceUsername: row.source_username,
      destinationWalletId: row.destination_wallet_id,
      destinationUsername: row.destination_username,
      reverses: row.reverses_id,
      reversedAmount: reversals.length > 0 ? reversed : null,
      reversals: reversals.map((reversal) => ({
        id: reversal.id,
        amount: Money.of(reversal.amount),
        createdAt: new Date(reversal.created_at),
      })),
    };
  }

  /** What an id names: a user (with its wallet), a wallet (with its owner) or a journal entry; null: nothing. */
  async lookup(id: string): Promise<Lookup | null> {
    const [row] = await this.statements.read<{
      kind: Lookup['kind'];
      user_id: string | null;
      wallet_id: string | null;
      transfer_id: string | null;
    }>(LOOKUP, [id]);
    return row ? { kind: row.kind, userId: row.user_id, walletId: row.wallet_id, transferId: row.transfer_id } : null;
  }
}

function toHold(row: HoldRow): AdminHold {
  return {
    id: row.id,
    sourceWalletId: row.source_wallet_id,
    destinationWalletId: row.destination_wallet_id,
    destinationUsername: row.destination_username,
    amount: Money.of(row.amount),
    capturedAmount: row.captured_amount === null ? null : Money.of(row.captured_amount),
    status: row.status,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
  };
}
