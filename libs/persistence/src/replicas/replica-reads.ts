import { AsyncLocalStorage } from 'node:async_hooks';
import { IsolationLevel } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { isDatabaseUnavailable, sqlStateOf } from '../driver-errors';
import { formatLsn, parseLsn, type Replica, ReplicaSet } from './replica-set';

export type ReadTarget = 'primary' | 'replica';

/** Told where each routed read went (metrics); optional, bound by the composition root. */
export abstract class ReplicaReadObserver {
  abstract routed(target: ReadTarget): void;
}

/**
 * What one HTTP request knows of its client's writes: the position its
 * client last wrote at (carried by the client, see README "Read replicas"),
 * and the position of a write this request committed, told to the HTTP layer
 * (`onWrite`) so that it can hand it to the client.
 */
export interface ClientPosition {
  /** The client's last write position, as it sent it back (null: none known). */
  seen: bigint | null;
  /** A commit of this request. */
  wrote: bigint | null;
  onWrite?: (lsn: string) => void;
}

/**
 * Read-your-writes. The HTTP layer runs each request in `within(position)`;
 * every unit of work that commits there (registration, an admin action) and
 * every batch of the group commit holding one of its commands reads the
 * primary's WAL position once after COMMIT (`COMMIT_POSITION`,
 * one round trip per unit of work or batch, only when replicas are
 * configured) and records it in the request's position. A later read of the
 * same client goes to a replica only once the replica has replayed that far.
 */
@Injectable()
export class WritePositions {
  private readonly storage = new AsyncLocalStorage<ClientPosition>();

  constructor(
    private readonly em: EntityManager,
    private readonly replicas: ReplicaSet,
  ) {}

  get enabled(): boolean {
    return this.replicas.enabled;
  }

  within<T>(position: ClientPosition, work: () => T): T {
    return this.storage.run(position, work);
  }

  /** The request's position (undefined outside a request, e.g. in a batch of the group commit). */
  current(): ClientPosition | undefined {
    return this.storage.getStore();
  }

  /** The position this request's reads must see: its client's last write, or its own. */
  required(): bigint | null {
    const position = this.current();
    if (!position) return null;
    const { seen, wrote } = position;
    if (seen === null) return wrote;
    return wrote === null || seen > wrote ? seen : wrote;
  }

  /**
   * After a commit: the primary's position, recorded for the requests whose
   * writes it carried. Nothing is asked without replicas, nor for a commit
   * that no request waits on.
   */
  async committed(positions: ReadonlyArray<ClientPosition | undefined>): Promise<void> {
    if (!this.enabled) return;
    const waiting = positions.filter((position): position is ClientPosition => position !== undefined);
    if (waiting.length === 0) return;
    let lsn = MAX_LSN;
    try {
      // On the primary's pool, outside any transaction: the commit is done, this only reads its position.
      const [row] = await this.em.getDriver().getConnection('write').execute<{ lsn: string }[]>(COMMIT_POSITION);
      lsn = parseLsn(row?.lsn) ?? MAX_LSN;
    } catch {
      // Committed, its position unknown: "past everything", so that no replica qualifies for this client until
      // the cookie expires (REPLICA_MAX_LAG_SECONDS + 1 s), by when every replica still used has replayed it.
    }
    for (const position of waiting) {
      if (position.wrote === null || lsn > position.wrote) position.wrote = lsn;
      position.onWrite?.(formatLsn(lsn));
    }
  }
}

const MAX_LSN = (1n << 64n) - 1n;

/**
 * Where a commit that just returned ends in the WAL, or a little after: a
 * position a replica reaches once it has replayed the commit, and always
 * reaches on an idle primary. The insert position is past the commit record,
 * but right after a page header when the last record ended on a page
 * boundary, where replay (which reports record ends) never arrives while
 * nothing more is written. A synchronous commit (any setting but `off`) has
 * been flushed, and the flush position is a record end or a page boundary:
 * the lesser of the two is past the commit and reachable. An asynchronous
 * commit may not be flushed yet: its insert position, then.
 */
const COMMIT_POSITION = `select (case when current_setting('synchronous_commit') = 'off' then pg_current_wal_insert_lsn()
    else least(pg_current_wal_insert_lsn(), pg_current_wal_flush_lsn()) end)::text as lsn`;

export interface RoutedReadOptions {
  /**
   * 'own-writes' (default): a replica only once it has replayed the client's
   * last write; 'bounded': any replica within the lag bound.
   */
  consistency?: 'own-writes' | 'bounded';
}

/**
 * Runs a read that may lag a moment (history pages, the balance at a moment,
 * admin reads, the audit) on a replica when one qualifies, else on the
 * primary. On a replica the read is one read-only REPEATABLE READ
 * transaction of that replica's own MikroORM: its EntityManager takes the
 * place of the primary's for the repositories inside `work` (MikroORM finds
 * a transaction's EntityManager by context name first), so repositories and
 * services need no change and nothing reads a replica unless it is routed
 * here. Inside a unit of work (a read that decides a movement) nothing is
 * routed: it stays in the primary's transaction. A read the replica fails
 * for want of itself (connection lost, timeout, a recovery conflict: SQLSTATE
 * 40001 "conflict with recovery") runs again on the primary: reads change
 * nothing, so running one twice is safe.
 */
@Injectable()
export class ReplicaReads implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Replicas');

  constructor(
    private readonly em: EntityManager,
    private readonly replicas: ReplicaSet,
    private readonly positions: WritePositions,
    @Optional() private readonly observer?: ReplicaReadObserver,
  ) {}

  onApplicationBootstrap(): void {
    this.replicas.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.replicas.close();
  }

  async read<T>(work: () => Promise<T>, options: RoutedReadOptions = {}): Promise<T> {
    if (!this.replicas.enabled || this.em.isInTransaction()) return this.onPrimary(work);
    const after = options.consistency === 'bounded' ? null : this.positions.required();
    const replica = await this.replicas.choose(after);
    if (!replica) return this.onPrimary(work);
    try {
      const result = await this.onReplica(replica, work);
      this.observer?.routed('replica');
      return result;
    } catch (error) {
      if (!replicaFailed(error)) throw error;
      replica.failed();
      this.log.warn(`read on replica ${replica.name} failed (${failure(error)}), run on the primary`);
      return this.onPrimary(work);
    }
  }

  /** Whether replicas are configured at all. */
  get enabled(): boolean {
    return this.replicas.enabled;
  }

  /**
   * A long read started inside a primary transaction that holds what must
   * stay on the primary (the audit's advisory lock, which on a hot standby
   * would be the standby's own and exclude nothing): `work` runs on a replica
   * within the lag bound, in a REPEATABLE READ snapshot of its own, while the
   * primary's transaction waits; else, or when the replica fails under it
   * (lost, or its snapshot cancelled by a recovery conflict, 40001), in place
   * on the primary's transaction. A statement timeout (57014) is the caller's
   * own bound and is not retried.
   */
  async scan<T>(work: () => Promise<T>): Promise<T> {
    const replica = this.replicas.enabled ? await this.replicas.choose(null) : null;
    if (replica) {
      try {
        const result = await this.onReplica(replica, work);
        this.observer?.routed('replica');
        return result;
      } catch (error) {
        if (!replicaFailed(error) || sqlStateOf(error) === '57014') throw error;
        replica.failed();
        this.log.warn(`scan on replica ${replica.name} failed (${failure(error)}), run on the primary`);
      }
    }
    return this.onPrimary(work);
  }

  private onReplica<T>(replica: Replica, work: () => Promise<T>): Promise<T> {
    // A fork of the replica's own EntityManager, never of the request's: with the same context name, forking (or
    // a transaction) would resolve to the primary's request fork and run on the primary.
    return replica.orm.em
      .fork({ disableContextResolution: true, useContext: false, clear: true })
      .transactional(() => work(), {
        readOnly: true,
        isolationLevel: IsolationLevel.REPEATABLE_READ,
      });
  }

  private async onPrimary<T>(work: () => Promise<T>): Promise<T> {
    const result = await work();
    this.observer?.routed('primary');
    return result;
  }
}

/** A failure named without its message: MikroORM's messages carry the statement with its parameters inlined. */
function failure(error: unknown): string {
  const state = sqlStateOf(error);
  return `${(error as Error)?.name ?? 'Error'}${state ? `, SQLSTATE ${state}` : ''}`;
}

/** The replica, not the read, failed: unreachable, lost, too slow, or its snapshot cancelled by recovery. */
function replicaFailed(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const state = sqlStateOf(error);
  // 40001 on a hot standby: "canceling statement due to conflict with recovery"; 57014: statement timeout.
  return state === '40001' || state === '57014' || state === '57P04';
}
