import { Injectable, Logger, Optional } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import type { KeyedRequest, Replay, Settled } from '@app/idempotency';
import type { ActionLine } from '@app/ledger';
import { type ClientPosition, databaseUnavailable, UnitOfWork, WritePositions } from '@app/persistence';
import type { MoneyCommand, ResultOf } from './money-commands';
import { MovementBatch, type Queued } from './movement-batch';

/** The most commands one batch takes; the rest wait for the next. */
export const MAX_BATCH = 128;

/** Told of each committed batch's size (metrics); optional, bound by the composition root. */
export abstract class MoneyMovementsObserver {
  abstract batchCommitted(size: number): void;
}

/** What a request gets back: its answer's body, or the replay of an earlier request with its key. */
export type Answer<R> = R | Replay;

/** What a request submits with its command (see Queued). */
export interface Submission<C extends MoneyCommand, R> {
  keyed?: KeyedRequest;
  present: (result: ResultOf<C>) => R;
  actionLine?: (result: ResultOf<C>) => ActionLine;
}

interface Waiting extends Queued {
  /** The submitting request's read-your-writes position: told the batch's commit position. */
  position?: ClientPosition;
  resolve: (answer: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Money movements, group-committed: what the controllers and the admin
 * service submit a MoneyCommand to. Every deposit, transfer, hold command and
 * reversal of this process is queued here; one batch runs at a time, and a
 * batch is whatever queued while the previous one ran (at most MAX_BATCH):
 * no timer, so a lone request waits for nothing. A batch is one
 * statements-only unit of work (MovementBatch turns it into a handful of
 * statements, UnitOfWork.runStatements opens and commits it), one commit,
 * however many commands it holds; then each waiting request gets its own
 * answer.
 *
 * Failure semantics (docs/GROUP-COMMIT.md):
 *  - a business refusal settles its own command only (MovementBatch);
 *  - the database went away (lost connection, COMMIT unanswered): nothing of
 *    the batch is known to have committed, every request hears 503 and may
 *    retry with its Idempotency-Key, which replays a commit that did happen;
 *  - any other failure of a batch of several (a conflict that outlived its
 *    retries, an unexpected error): its transaction rolled back, and each of
 *    its commands runs again alone, so one command's failure is its own;
 *  - alone, a command fails as it always did (conflicts retried, then 409).
 * A request never hears 200 for a posting its batch did not commit.
 */
@Injectable()
export class MoneyMovements {
  private readonly log = new Logger(MoneyMovements.name);
  private readonly queue: Waiting[] = [];
  private draining = false;
  // Made at start-up, outside any request: batches run in no request's
  // context (their logs and identity map belong to no single request).
  private readonly scope = new AsyncResource('MoneyMovements');

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly batch: MovementBatch,
    private readonly positions: WritePositions,
    @Optional() private readonly observer?: MoneyMovementsObserver,
  ) {}

  /** How many commands wait for the batch that runs now to end. */
  get waiting(): number {
    return this.queue.length;
  }

  submit<C extends MoneyCommand, R>(command: C, request: Submission<C, R>): Promise<Answer<R>> {
    return new Promise<Answer<R>>((resolve, reject) => {
      this.queue.push({
        ...(request as Omit<Queued, 'command'>),
        command,
        position: this.positions.current(),
        resolve: resolve as never,
        reject,
      });
      if (!this.draining) {
        this.draining = true;
        this.scope.runInAsyncScope(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const waiting = this.queue.splice(0, MAX_BATCH);
      try {
        await this.commit(waiting);
      } catch (error) {
        // commit settles every request itself, so this is a defect: the batch's requests hear it
        // (a promise already settled ignores it) rather than wait forever, and the queue goes on.
        this.log.error(`group commit failed: ${(error as Error).message}`);
        for (const request of waiting) request.reject(error);
      }
    }
    this.draining = false;
  }

  private async commit(waiting: Waiting[]): Promise<void> {
    let settled: Settled[];
    try {
      settled = await this.unitOfWork.runStatements(() => this.batch.run(waiting));
    } catch (error) {
      const unavailable = databaseUnavailable(error);
      if (unavailable || waiting.length === 1) {
        for (const request of waiting) request.reject(unavailable ?? error);
        return;
      }
      for (const request of waiting) await this.commit([request]);
      return;
    }
    this.observer?.batchCommitted(waiting.length);
    // One read of the primary's WAL position for the whole batch (only with replicas), before any answer:
    // a client's next read must not reach a replica that has not replayed this commit.
    await this.positions.committed(waiting.map((request) => request.position));
    waiting.forEach((request, index) => {
      const outcome = settled[index];
      if ('body' in outcome) request.resolve(outcome.body);
      else if ('replay' in outcome) request.resolve(outcome.replay);
      else request.reject(outcome.refusal);
    });
  }
}
