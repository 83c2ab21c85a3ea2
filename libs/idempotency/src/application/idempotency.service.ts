/**
 * Idempotency keys: who owns the transaction and the retry.
 *
 * - The transaction: the use case's. A route marked @Idempotent() hands its
 *   keyed request to the use case (`@KeyedBy()`), and the use case claims the
 *   key, runs, and records the answer inside its own unit of work, through
 *   `claim` and the `ClaimedKeys` it returns: one commit for key, effects and
 *   answer, so a crash leaves all three or none. The money movements' group
 *   commit does it for a whole batch in a handful of statements; the admin
 *   freeze and unfreeze for one request.
 * - The retry: belongs to that unit of work (libs/persistence/src/unit-of-work.ts).
 *   A deadlock, serialization failure or lock timeout aborts the whole
 *   transaction, so the whole of it (claim included) runs again, at most a
 *   bounded number of times, then CONCURRENT_CONFLICT (409) and nothing is
 *   recorded.
 */
import { Injectable } from '@nestjs/common';
import { isLockTimeout } from '@app/persistence';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from '../domain/idempotency.errors';
import { IdempotencyKeyRepository, type StoredAnswer } from '../persistence/idempotency-key.repository';
import { answerFor, byKey, ClaimedKeys, type KeyedRequest, type Settled, settledBy } from './claimed-keys';

/**
 * Runs a keyed request at most once, in its caller's transaction. A
 * duplicate waits on the claimed key until the first's transaction ends,
 * then replays what it recorded; a business refusal is recorded and replayed
 * like a success (nothing of the refused request was written); the keys of
 * conflicts and of refusals that bind none are given back; a server error
 * rolls everything back, the key with it.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly keys: IdempotencyKeyRepository) {}

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
}
