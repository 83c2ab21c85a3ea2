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
import { IdempotencyKeyRepository, type StoredAnswer } from '../persistence/idempotency-key.repository';
import {
  answerFor,
  byKey,
  ClaimedKeys,
  type KeyedRequest,
  type RecordableAnswer,
  Replay,
  type Settled,
  settledBy,
} from './claimed-keys';

export type Outcome =
  /** The request ran now; a failure was recorded and must be answered as it was raised. */
  | { replayed: false; data: unknown }
  | { replayed: false; failure: unknown }
  /** An earlier request with the key answered this. */
  | { replayed: true; status: number; body: unknown };

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
        const stored = await this.claimOne(userId, key, fingerprint);
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
        const taken = await this.claimOne(userId, key, fingerprint);
        if (!taken)
          await this.keys.recordAll([{ userId, key, status: answer.status, body: JSON.stringify(answer.body) }]);
        return taken;
      });
      // A duplicate ran in between and recorded its own answer: that one stands for the key.
      return stored ? replay(stored, fingerprint) : { replayed: false, failure: error };
    }
  }

  /**
   * Claims the keys of a unit of work's requests (`undefined`: a request
   * without a key) in the caller's transaction: one statement for the
   * distinct keys (two when some key was held before), none without keys.
   * The caller runs `running`, tells how each ended (`answered`, `refused`)
   * and settles them all (`settle`) before its transaction commits.
   *
   * A key held by a request still running makes the claim wait until that
   * request's transaction ends. Alone, a key held longer than lock_timeout is
   * IDEMPOTENCY_KEY_IN_PROGRESS; with several, which key is unknown and the
   * lock timeout is thrown as is (the group commit runs the batch's requests
   * again one by one).
   */
  async claim(requests: readonly (KeyedRequest | undefined)[]): Promise<ClaimedKeys> {
    const settled: (Settled | undefined)[] = new Array(requests.length);
    const { claimants, followers } = byKey(requests);
    if (claimants.length > 0) {
      let stored: (StoredAnswer | null)[];
      try {
        stored = await this.keys.claimAll(claimants.map((index) => requests[index]!));
      } catch (error) {
        if (isLockTimeout(error) && claimants.length === 1) throw new IdempotencyKeyInProgressError();
        throw error;
      }
      stored.forEach((answer, position) => {
        const index = claimants[position];
        if (answer) settled[index] = settledBy(answerFor(answer, requests[index]!.fingerprint));
      });
    }
    return new ClaimedKeys(this.keys, requests, settled, followers);
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

  private async claimOne(userId: string, key: string, fingerprint: string): Promise<StoredAnswer | null> {
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

function replay(stored: StoredAnswer, fingerprint: string): Extract<Outcome, { replayed: true }> {
  const answer = answerFor(stored, fingerprint);
  if (!(answer instanceof Replay)) throw answer;
  return { replayed: true, status: answer.status, body: answer.body };
}
