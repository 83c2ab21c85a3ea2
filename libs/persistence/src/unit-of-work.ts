import { IsolationLevel, TransactionPropagation } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { ConflictRetryObserver } from './conflict-retry.observer';
import { isConnectionLost } from './driver-errors';
import { WritePositions } from './replicas/replica-reads';
import { retryOnConflict } from './retry';
import { Statements } from './statements';

/**
 * The transaction of a use case. `run` opens it (in a fork with an empty
 * identity map, so nothing read before or in a failed attempt leaks in),
 * flushes at the end, commits, and runs the whole thing again on a deadlock,
 * serialization failure or lock timeout (bounded). When a caller already
 * opened one (a cross-cutting concern wrapping the use case, such as
 * idempotency), the use case joins it and the outermost owner retries.
 */
@Injectable()
export class UnitOfWork {
  private readonly log = new Logger(UnitOfWork.name);

  constructor(
    private readonly em: EntityManager,
    private readonly positions: WritePositions,
    private readonly statements: Statements,
    @Optional() private readonly retries?: ConflictRetryObserver,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.em.isInTransaction()) {
      return this.em.transactional(
        async (em) => {
          const result = await work();
          await em.flush(); // the caller's next step may need what was written (timestamps)
          return result;
        },
        { propagation: TransactionPropagation.REQUIRED },
      );
    }
    return this.committed(() => this.transaction(work));
  }

  /**
   * A unit of work whose every read and write is a Statement (the money
   * batch): the same retries, the same once-only reopening of a transaction
   * that could not be opened, but BEGIN and COMMIT sent by Statements on a
   * connection of their own, not through the ORM (no identity map, nothing
   * flushed). It never joins a caller's transaction.
   */
  runStatements<T>(work: () => Promise<T>): Promise<T> {
    return this.committed(() => this.reopenedOnce((started) => this.statements.transaction(() => (started(), work()))));
  }

  private async committed<T>(transaction: () => Promise<T>): Promise<T> {
    const result = await retryOnConflict(transaction, { onRetry: (sqlState) => this.retries?.retrying(sqlState) });
    // Committed: the request's later reads (and its client's) must see it, on a replica too.
    await this.positions.committed([this.positions.current()]);
    return result;
  }

  /**
   * One transaction of `work`, opened a second time (once) when the first
   * could not be opened because its connection was lost, refused or found
   * dead: a pooled connection whose server went away while it was idle (a
   * failover, a restart, a terminated backend) is found out only when used.
   * That retry is safe because nothing of `work` was sent: the failure came
   * while acquiring or making the connection, or on the transaction's BEGIN.
   * knex swallows a failed BEGIN and hands out the transaction anyway (its
   * next statement would fail on the dead connection), so the transaction is
   * checked before `work` runs: if BEGIN failed, `work` never starts. Once
   * `work` has started (BEGIN answered), a lost connection is never retried
   * here, whatever was sent or not: the caller hears 503 and retries with its
   * Idempotency-Key, which replays a COMMIT that did happen. Nor is a
   * timeout retried (a wait that ran out is not doubled: 503 at once).
   */
  private transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.reopenedOnce((started) =>
      this.em.transactional(
        async (em) => {
          const failedBegin = await beginFailure(em.getTransactionContext<KnexTransaction>());
          if (failedBegin) throw failedBegin;
          started();
          return work();
        },
        { clear: true },
      ),
    );
  }

  /** `open` calls `started` once its BEGIN was answered; a connection lost before that is tried once more. */
  private async reopenedOnce<T>(open: (started: () => void) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let started = false;
      try {
        return await open(() => (started = true));
      } catch (error) {
        if (started || attempt > 1 || !isConnectionLost(error)) throw error;
        this.log.warn(`transaction not opened (${(error as Error).message}); nothing of it was sent, opening it again`);
      }
    }
  }

  /**
   * A read-only REPEATABLE READ transaction: every read of `work` sees one
   * snapshot, however many statements it takes (the ledger audit reads in
   * batches while payments go on).
   */
  snapshot<T>(work: () => Promise<T>): Promise<T> {
    return this.em.transactional(() => work(), {
      clear: true,
      readOnly: true,
      isolationLevel: IsolationLevel.REPEATABLE_READ,
    });
  }
}

/** What the unit of work needs of knex's transaction object (MikroORM's transaction context). */
interface KnexTransaction {
  isCompleted(): boolean;
  executionPromise: Promise<unknown>;
}

/**
 * The error of a transaction whose BEGIN failed, else undefined. knex marks
 * such a transaction completed and rejects its execution promise with the
 * BEGIN's error, yet still runs the transaction's callback.
 */
async function beginFailure(trx: KnexTransaction | undefined): Promise<unknown> {
  if (!trx || typeof trx.isCompleted !== 'function' || !trx.isCompleted()) return undefined;
  return trx.executionPromise.then(
    () => new Error('the transaction ended before its work began'),
    (error: unknown) => error ?? new Error('BEGIN failed'),
  );
}
