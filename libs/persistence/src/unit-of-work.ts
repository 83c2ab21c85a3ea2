import { IsolationLevel, TransactionPropagation } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Optional } from '@nestjs/common';
import { ConflictRetryObserver } from './conflict-retry.observer';
import { WritePositions } from './replicas/replica-reads';
import { retryOnConflict } from './retry';

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
  constructor(
    private readonly em: EntityManager,
    private readonly positions: WritePositions,
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
    const result = await retryOnConflict(() => this.em.transactional(() => work(), { clear: true }), {
      onRetry: (sqlState) => this.retries?.retrying(sqlState),
    });
    // Committed: the request's later reads (and its client's) must see it, on a replica too.
    await this.positions.committed([this.positions.current()]);
    return result;
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
