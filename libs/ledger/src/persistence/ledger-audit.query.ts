import { Injectable } from '@nestjs/common';
import { oneOff, Statements } from '@app/persistence';
import type { HashedFields } from '../domain/operation-hash';
import { ANCHOR_COLUMN, CHAINED_OPERATION_COLUMNS, type ChainedOperationRow, hashedFieldsOf } from './operation.row';

/** A user wallet as stored: what its operations must add up to. */
export interface AuditedWallet {
  id: string;
  balance: string;
  lastSequence: number;
  chainHead: string | null;
}

/** An operation as stored, every hashed field in its stored text form. */
export interface AuditedOperation extends HashedFields {
  hash: string;
  /** System legs only: the hash of the entry's user leg, which the leg chains to. */
  anchor?: string | null;
}

/**
 * The audit's advisory lock, as two int4 keys (`objsubid` 2 in pg_locks, so it
 * can never be the migrations' bigint key): 0x4c454447 is "LEDG", 1 the audit.
 * Advisory locks are per database, so each database has its own audit lock.
 */
const AUDIT_LOCK = [0x4c454447, 1] as const;

/** The audit lock ($1, $2) for the current transaction, without waiting; and the session's statement_timeout. */
const TRY_LOCK = oneOff(
  'audit_try_lock',
  `select pg_try_advisory_xact_lock($1::integer, $2::integer) as locked,
       (select setting from pg_settings where name = 'statement_timeout') as statement_timeout_ms`,
);

/** When the session holding the audit lock ($1, $2) in this database began its transaction. */
const LOCK_HOLDER = oneOff(
  'audit_lock_holder',
  `select a.xact_start
  from pg_locks l join pg_stat_activity a on a.pid = l.pid
 where l.locktype = 'advisory' and l.granted and l.pid <> pg_backend_pid()
   and l.database = (select oid from pg_database where datname = current_database())
   and l.classid = $1::oid and l.objid = $2::oid and l.objsubid = 2`,
);

/** Settings for the rest of the current transaction only (is_local): its end gives the session's back. */
const HOLD_IDLE = oneOff('audit_hold_idle', `select set_config('idle_in_transaction_session_timeout', $1::text, true)`);
const LIMIT_STATEMENTS = oneOff('audit_limit_statements', `select set_config('statement_timeout', $1::text, true)`);

const TOTAL = oneOff('audit_total', `select coalesce(sum(amount), 0)::numeric(20,2)::text as total from operations`);

const UNBALANCED_ENTRIES = oneOff(
  'audit_unbalanced_entries',
  `select transfer_id from operations group by transfer_id having sum(amount) <> 0 order by transfer_id limit $1::bigint`,
);

const USER_WALLETS = oneOff(
  'audit_user_wallets',
  `select id, balance::text as balance, last_sequence::text as last_sequence, chain_head
  from wallets where kind = 'USER' and id > $1::uuid order by id limit $2::bigint`,
);

const SEQUENCED_OPERATIONS = oneOff(
  'audit_sequenced_operations',
  `select ${CHAINED_OPERATION_COLUMNS} from operations o
 where o.wallet_id between $1::uuid and $2::uuid and o.sequence is not null
   and (o.wallet_id, o.sequence) > ($3::uuid, $4::bigint)
 order by o.wallet_id, o.sequence
 limit $5::bigint`,
);

const UNSEQUENCED_OPERATIONS = oneOff(
  'audit_unsequenced_operations',
  `select ${CHAINED_OPERATION_COLUMNS}, w.kind as wallet_kind,
       ${ANCHOR_COLUMN}
  from operations o join wallets w on w.id = o.wallet_id
 where o.sequence is null and o.id > $1::uuid
 order by o.id
 limit $2::bigint`,
);

/**
 * The audit's reads: keyset-ordered batches, so that memory stays bounded
 * whatever the ledger's size, and every batch is one index range scan.
 * Every statement runs in the audit's transaction (its snapshot on the
 * primary, or the replica's inside ReplicaReads), on that transaction's
 * connection: the lock and the settings are the transaction's.
 */
@Injectable()
export class LedgerAuditQuery {
  constructor(private readonly statements: Statements) {}

  /**
   * Takes the audit lock for the current transaction, without waiting: false
   * when another session holds it. A transaction-level lock, taken by the
   * audit's own snapshot transaction: its commit or rollback (or its
   * connection's end) releases it, so nothing can leave it behind. Also
   * answers the session's statement_timeout in ms (0: none).
   */
  async tryLock(): Promise<{ locked: boolean; statementTimeoutMs: number }> {
    const [row] = await this.statements.run<{ locked: boolean; statement_timeout_ms: string }>(TRY_LOCK, [
      ...AUDIT_LOCK,
    ]);
    return { locked: row.locked, statementTimeoutMs: Number(row.statement_timeout_ms) };
  }

  /**
   * When the audit lock's holder began its transaction (the audit it runs):
   * null when no session holds it any more, or when its start is not visible
   * (a session of another role, without pg_read_all_stats).
   */
  async lockHolder(): Promise<{ startedAt: Date | null } | null> {
    const rows = await this.statements.read<{ xact_start: Date | null }>(LOCK_HOLDER, [...AUDIT_LOCK]);
    if (rows.length === 0) return null;
    return { startedAt: rows[0].xact_start === null ? null : new Date(rows[0].xact_start) };
  }

  /** Bounds the transaction's next statements to `ms` (a statement past it is cancelled, SQLSTATE 57014). */
  /**
   * While the scan runs on a replica, the lock's transaction on the primary
   * sends nothing: it must outlive the session's idle-in-transaction timeout
   * (the run's own deadline still bounds it).
   */
  async holdIdle(ms: number): Promise<void> {
    await this.statements.run(HOLD_IDLE, [String(Math.max(1, Math.ceil(ms)))]);
  }

  async limitStatements(ms: number): Promise<void> {
    await this.statements.run(LIMIT_STATEMENTS, [String(Math.max(1, Math.ceil(ms)))]);
  }

  async total(): Promise<string> {
    const [{ total }] = await this.statements.read<{ total: string }>(TOTAL, []);
    return total;
  }

  /** Journal entries whose legs do not sum to zero (at most `limit`). */
  async unbalancedEntries(limit: number): Promise<string[]> {
    const rows = await this.statements.read<{ transfer_id: string }>(UNBALANCED_ENTRIES, [limit]);
    return rows.map((row) => row.transfer_id);
  }

  /** The next user wallets after `afterId`, in id order. */
  async userWallets(afterId: string, limit: number): Promise<AuditedWallet[]> {
    const rows = await this.statements.read<{
      id: string;
      balance: string;
      last_sequence: string;
      chain_head: string | null;
    }>(USER_WALLETS, [afterId, limit]);
    return rows.map((row) => ({
      id: row.id,
      balance: row.balance,
      lastSequence: Number(row.last_sequence),
      chainHead: row.chain_head,
    }));
  }

  /**
   * Sequenced operations of the wallets from `firstWalletId` to
   * `lastWalletId`, in (wallet, sequence) order, after the given position
   * (the operations_wallet_sequence_unique index).
   */
  async sequencedOperations(
    firstWalletId: string,
    lastWalletId: string,
    after: { walletId: string; sequence: number } | null,
    limit: number,
  ): Promise<AuditedOperation[]> {
    const rows = await this.statements.read<ChainedOperationRow>(SEQUENCED_OPERATIONS, [
      firstWalletId,
      lastWalletId,
      after?.walletId ?? firstWalletId,
      after?.sequence ?? -1,
      limit,
    ]);
    return rows.map(toAudited);
  }

  /** Unsequenced operations (system wallets' legs, or a forged row on a user wallet) after `afterId`, with their anchor. */
  async unsequencedOperations(afterId: string, limit: number): Promise<(AuditedOperation & { walletKind: string })[]> {
    const rows = await this.statements.read<ChainedOperationRow & { wallet_kind: string }>(UNSEQUENCED_OPERATIONS, [
      afterId,
      limit,
    ]);
    return rows.map((row) => ({ ...toAudited(row), walletKind: row.wallet_kind }));
  }
}

function toAudited(row: ChainedOperationRow): AuditedOperation {
  return { ...hashedFieldsOf(row), hash: row.hash ?? '', anchor: row.anchor };
}
