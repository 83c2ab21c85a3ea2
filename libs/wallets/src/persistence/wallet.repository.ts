import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type LedgerAccount, WalletKind } from '@app/ledger';
import { Money } from '@app/money';
import { CoalescedReads, oneOff, statement, Statements } from '@app/persistence';
import { Wallet } from '../domain/wallet.entity';

/**
 * A wallet as a plain value, not a managed entity: the ledger writes its new
 * balance in the same statement as the operations, and nothing else should.
 */
export interface WalletState extends LedgerAccount {
  readonly userId: string | null;
}

/** A wallet read under its row lock, for one use case to post to. */
export type LockedWallet = WalletState;

/** Wallets locked for one use case, with PostgreSQL's clock read once every lock was held. */
export interface Locked {
  wallets: LockedWallet[];
  /** Millisecond precision, like the ledger's columns; null when no wallet was found. */
  now: Date | null;
}

interface WalletRow {
  id: string;
  user_id: string | null;
  kind: WalletKind;
  balance: string | null;
  last_sequence: string | null;
  pending_holds: number;
  chain_head: string | null;
  frozen_at: Date | null;
}

const COLUMNS = 'id, user_id, kind, balance::text as balance, last_sequence, pending_holds, chain_head, frozen_at';

/** A user's wallet as committed now, without a lock (a balance read, the start of a history read). */
const BY_USER_ID = statement('wallets_by_user_id', `select ${COLUMNS} from wallets where user_id = $1`);
/** The same for many users at once: the concurrent reads outside a transaction, coalesced (CoalescedReads). */
const BY_USER_IDS = statement('wallets_by_user_ids', `select ${COLUMNS} from wallets where user_id = any($1::uuid[])`);

/**
 * FOR UPDATE in id order inside the CTE; the clock is read by the outer
 * query as each locked row comes out, so the latest reading is taken after
 * every lock was granted: later than anything a previous holder of these
 * locks wrote (within a wallet, time never runs backwards along the sequence).
 */
function lockStatement(where: string): string {
  return `with locked as (select ${COLUMNS} from wallets where ${where} order by id for update)
          select locked.*, clock_timestamp()::timestamptz(3) as now from locked`;
}

/** Every wallet a batch of money movements touches, in one statement: its users' wallets and the user wallets it names. */
const LOCK_FOR_BATCH = statement(
  'wallets_lock_for_batch',
  lockStatement(`user_id = any($1::uuid[]) or (id = any($2::uuid[]) and kind = 'USER')`),
);

/**
 * The same, for a batch that also corrects journal entries (reversals): the
 * user wallets of those entries' legs are found and locked by the same
 * statement, so the entries themselves are read once, under the locks (the
 * legs' wallet ids come as an array from an init plan, so the wallets are
 * still found by their primary key). A batch without reversals keeps the
 * statement above.
 */
const LOCK_FOR_BATCH_WITH_ENTRIES = statement(
  'wallets_lock_for_batch_with_entries',
  lockStatement(
    `user_id = any($1::uuid[]) or (id = any($2::uuid[]) and kind = 'USER')
            or (id = any(array(select wallet_id from operations where transfer_id = any($3::uuid[]))) and kind = 'USER')`,
  ),
);

const ADJUST_PENDING_HOLDS = oneOff(
  'wallets_adjust_pending_holds',
  'update wallets set pending_holds = pending_holds + $2::integer where id = $1::uuid',
);

const FREEZE = oneOff(
  'wallets_freeze',
  `update wallets set frozen_at = clock_timestamp() where id = $1::uuid and kind = 'USER' and frozen_at is null returning id`,
);

const UNFREEZE = oneOff(
  'wallets_unfreeze',
  `update wallets set frozen_at = null where id = $1::uuid and kind = 'USER' and frozen_at is not null returning id`,
);

@Injectable()
export class WalletRepository {
  private readonly committedNow = new CoalescedReads<string, WalletRow>(async (userIds) => {
    const rows = await this.statements.read<WalletRow>(BY_USER_IDS, [userIds]);
    return new Map(rows.map((row) => [row.user_id!, row]));
  });

  constructor(
    private readonly em: EntityManager,
    private readonly statements: Statements,
  ) {}

  /**
   * The user's wallet as a plain value: one prepared statement, no entity
   * hydrated into the identity map. Outside a transaction (a balance read)
   * concurrent requests' reads are coalesced into one statement; inside one
   * (a replica's read, a unit of work) it reads on that transaction's
   * connection and snapshot.
   */
  async findByUserId(userId: string): Promise<WalletState | null> {
    if (!this.statements.inTransaction()) {
      const row = await this.committedNow.read(userId);
      return row ? toState(row) : null;
    }
    const [row] = await this.statements.read<WalletRow>(BY_USER_ID, [userId]);
    return row ? toState(row) : null;
  }

  /** Read as stored now (refresh: a freeze may have changed it since this request first read it). */
  findById(id: string): Promise<Wallet | null> {
    return this.em.findOne(Wallet, { id }, { refresh: true });
  }

  findByUserIds(userIds: string[]): Promise<Wallet[]> {
    return userIds.length === 0 ? Promise.resolve([]) : this.em.find(Wallet, { userId: { $in: userIds } });
  }

  addForUser(userId: string): Wallet {
    const wallet = new Wallet();
    wallet.userId = userId;
    wallet.kind = WalletKind.USER;
    wallet.balance = Money.ZERO;
    wallet.lastSequence = 0;
    this.em.persist(wallet);
    return wallet;
  }

  /**
   * Locks (FOR UPDATE) the wallets of `userIds`, the user wallets among
   * `walletIds` and those of the legs of the journal entries `entryIds`, in
   * one statement, in id order: every unit of work that locks
   * several wallets takes them in the same order, so two batches (of this
   * instance or another) cannot deadlock. Must run inside a transaction. A
   * missing wallet is simply absent.
   */
  async lockForBatch(
    userIds: readonly string[],
    walletIds: readonly string[],
    entryIds: readonly string[] = [],
  ): Promise<Locked> {
    const rows =
      entryIds.length > 0
        ? await this.statements.run<WalletRow & { now: Date }>(LOCK_FOR_BATCH_WITH_ENTRIES, [userIds, walletIds, entryIds])
        : await this.statements.run<WalletRow & { now: Date }>(LOCK_FOR_BATCH, [userIds, walletIds]);
    return toLockedSet(rows);
  }

  /** Locks the given user wallets (FOR UPDATE), in id order like every other lock of several wallets. */
  lockByIds(ids: string[]): Promise<Locked> {
    return this.lockForBatch([], ids);
  }

  /** Counts holds placed (+) or resolved (-) on the paying wallet; takes its row lock, in the caller's unit of work. */
  async adjustPendingHolds(walletId: string, delta: number): Promise<void> {
    await this.statements.run(ADJUST_PENDING_HOLDS, [walletId, delta]);
  }

  /**
   * Freezes (true) or unfreezes (false) a user wallet; the UPDATE takes the
   * wallet's row lock, so it waits for a movement that holds it and every
   * movement that locks the wallet after this commits sees the new state.
   * Returns whether the state changed (false: it already was so, or no such user wallet).
   * In the caller's unit of work.
   */
  async setFrozen(walletId: string, frozen: boolean): Promise<boolean> {
    const rows = await this.statements.run<{ id: string }>(frozen ? FREEZE : UNFREEZE, [walletId]);
    return rows.length > 0;
  }
}

function toLockedSet(rows: (WalletRow & { now: Date })[]): Locked {
  const times = rows.map((row) => new Date(row.now).getTime());
  return { wallets: rows.map(toState), now: rows.length ? new Date(Math.max(...times)) : null };
}

function toState(row: WalletRow): WalletState {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    balance: row.balance === null ? null : Money.of(row.balance),
    lastSequence: row.last_sequence === null ? null : Number(row.last_sequence),
    pendingHolds: row.pending_holds,
    chainHead: row.chain_head,
    frozen: row.frozen_at !== null,
  };
}
