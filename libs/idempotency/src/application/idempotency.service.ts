/**
 * Idempotency keys: who owns the transaction and the retry.
 *
 * - The transaction: this service opens the unit of work (`UnitOfWork.run`)
 *   around the claim of the key, the use case and the recorded answer. The use
 *   case's own `UnitOfWork.run` finds a transaction open and joins it
 *   (propagation REQUIRED): one commit for key, postings and answer.
 * - The retry: belongs to the outermost unit of work, here this service's
 *   (libs/persistence/src/unit-of-work.ts). A deadlock, serialization failure
 *   or lock timeout inside the use case aborts the whole transaction, so the
 *   whole of it (claim included) runs again, at most a bounded number of
 *   times, then CONCURRENT_CONFLICT (409) and nothing is recorded. The joined
 *   use case never retries on its own: its attempt is not separable from the
 *   claim. Without a key, the use case's unit of work is the outermost and
 *   owns both.
 */
import { Injectable } from '@nestjs/common';
import { isLockTimeout, UnitOfWork } from '@app/persistence';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from '../domain/idempotency.errors';

import { IdempotencyKeyRepository, keyString, type StoredAnswer } from '../persistence/idempotency-key.repository';

/** Why a keyed request is not run: its key belongs to another request, or its first request still runs. */
export type IdempotencyRefusal = IdempotencyKeyReusedError | IdempotencyKeyInProgressError;

export type Outcome =
  /** The request ran now; a failure was recorded and must be answered as it was raised. */
  | { replayed: false; data: unknown }
  | { replayed: false; failure: unknown }
  /** An earlier request with the key answered this. */
  | { replayed: true; status: number; body: unknown };

/**
 * The answer a failure of the use case gets, when it is to be recorded under
 * the key and replayed; null when it binds no key. The HTTP layer decides
 * (see the interceptor): this service knows no HTTP.
 */
export type RecordableAnswer = (error: unknown) => { status: number; body: unknown } | null;

/**
 * A keyed request whose handler runs it in a transaction of its own making
 * with many others (the money movements' group commit): the handler claims
 * the key and records the answer there, through `claimAll` and `recordAll`.
 */
export interface KeyedRequest {
  userId: string;
  key: string;
  fingerprint: string;
  recordable: RecordableAnswer;
}

/** What an earlier request with the key answered: sent again as it was. */
export class Replay {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/**
 * Runs a keyed request at most once. One transaction holds the claim of the
 * key, the use case's postings and the recorded answer, so a crash leaves
 * either all three or none. A duplicate waits on the claimed key until that
 * transaction ends, then replays what it recorded.
 *
 * A business failure (insufficient funds, ...) rolls the use case's
 * transaction back, nothing posted; its answer is then recorded under the key
 * in a short transaction of its own and replayed like a success would be. (A
 * crash between the two leaves the key free: a retry runs the request again,
 * which is safe since nothing was posted.) Conflicts and server errors record
 * nothing.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly keys: IdempotencyKeyRepository,
  ) {}

  async execute(
    userId: string,
    key: string,
    fingerprint: string,
    action: () => Promise<unknown>,
    recordable: RecordableAnswer,
  ): Promise<Outcome> {
    let attempted = false;
    try {
      return await this.unitOfWork.run(async () => {
        const stored = await this.claim(userId, key, fingerprint);
        if (stored) return replay(stored, fingerprint);
        attempted = true;
        const data = await action();
        await this.keys.recordAll([{ userId, key, status: 200, body: JSON.stringify(data ?? null) }]);
        return { replayed: false, data } as const;
      });
    } catch (error) {
      const answer = attempted ? recordable(error) : null;
      if (!answer) throw error;
      const stored = await this.unitOfWork.run(async () => {
        const taken = await this.claim(userId, key, fingerprint);
        if (!taken)
          await this.keys.recordAll([{ userId, key, status: answer.status, body: JSON.stringify(answer.body) }]);
        return taken;
      });
      // A duplicate ran in between and recorded its own answer: that one stands for the key.
      return stored ? replay(stored, fingerprint) : { replayed: false, failure: error };
    }
  }

  /**
   * Claims distinct keys in the caller's transaction, in one statement. Per
   * request: null when its key is taken now (the request runs, and its answer
   * must be recorded with `recordAll` before the transaction commits), else
   * what it answers instead (a replay, or a refusal: the key was used for
   * another request, or its first request is still running).
   */
  async claimAll(requests: readonly KeyedRequest[]): Promise<(Replay | IdempotencyRefusal | null)[]> {
    let stored: (StoredAnswer | null)[];
    try {
      stored = await this.keys.claimAll(requests);
    } catch (error) {
      // Alone, the request's key is the one held too long by its first request;
      // in a batch, which one is unknown (the caller splits the batch).
      if (isLockTimeout(error) && requests.length === 1) throw new IdempotencyKeyInProgressError();
      throw error;
    }
    return stored.map((answer, index) => answer && answerFor(answer, requests[index].fingerprint));
  }

  /**
   * Settles the keys `claimAll` took, in the caller's transaction: each
   * request's answer recorded (one statement), and the keys of requests whose
   * answer binds no key (a conflict, ...) given back, as a rolled-back
   * request would leave them (one statement, only when there are some).
   */
  async settleAll(
    recorded: readonly { request: KeyedRequest; status: number; body: unknown }[],
    released: readonly KeyedRequest[],
  ): Promise<void> {
    await this.keys.recordAll(
      recorded.map(({ request, status, body }) => ({
        userId: request.userId,
        key: request.key,
        status,
        body: JSON.stringify(body ?? null),
      })),
    );
    await this.keys.releaseAll(released);
  }

  /**
   * For requests that repeat a key claimed earlier in the caller's
   * transaction: what that key holds now (a replay, or a refusal when the
   * body differs from the one it was taken for), as a later request would
   * hear; null where the key was given back.
   */
  async answersFor(requests: readonly KeyedRequest[]): Promise<(Replay | IdempotencyRefusal | null)[]> {
    const stored = await this.keys.storedAll(requests);
    return requests.map((request) => {
      const answer = stored.get(keyString(request));
      return answer ? answerFor(answer, request.fingerprint) : null;
    });
  }

  /**
   * For a request refused before it could claim its key (its body is
   * invalid): the refusal a claim would have given first, when the key
   * belongs to another request.
   */
  async keyReusedBy(request: KeyedRequest): Promise<IdempotencyKeyReusedError | null> {
    const fingerprint = await this.keys.fingerprintOf(request.userId, request.key);
    return fingerprint !== null && fingerprint !== request.fingerprint ? new IdempotencyKeyReusedError() : null;
  }

  private async claim(userId: string, key: string, fingerprint: string): Promise<StoredAnswer | null> {
    try {
      const [stored] = await this.keys.claimAll([{ userId, key, fingerprint }]);
      return stored;
    } catch (error) {
      // The first request with this key has held it longer than lock_timeout.
      if (isLockTimeout(error)) throw new IdempotencyKeyInProgressError();
      throw error;
    }
  }
}

/** What a stored key answers a request with this body: its replay, or a refusal (another body; its first request still runs). */
function answerFor(stored: StoredAnswer, fingerprint: string): Replay | IdempotencyRefusal {
  try {
    const { status, body } = replay(stored, fingerprint);
    return new Replay(status, body);
  } catch (refusal) {
    return refusal as IdempotencyRefusal;
  }
}

function replay(stored: StoredAnswer, fingerprint: string): Extract<Outcome, { replayed: true }> {
  if (stored.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
  if (stored.status === null || stored.body === null) throw new IdempotencyKeyInProgressError();
  return { replayed: true, status: stored.status, body: JSON.parse(stored.body) as unknown };
}
