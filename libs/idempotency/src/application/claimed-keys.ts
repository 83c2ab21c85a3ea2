import type { DomainError } from '@app/errors';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from '../domain/idempotency.errors';
import { type IdempotencyKeyRepository, keyString, type StoredAnswer } from '../persistence/idempotency-key.repository';

/** Why a keyed request is not run: its key belongs to another request, or its first request still runs. */
export type IdempotencyRefusal = IdempotencyKeyReusedError | IdempotencyKeyInProgressError;

/**
 * The answer a failure of the use case gets, when it is to be recorded under
 * the key and replayed; null when it binds no key. The HTTP layer decides
 * (see the interceptor): this library's application layer knows no HTTP.
 */
export type RecordableAnswer = (error: unknown) => { status: number; body: unknown } | null;

/**
 * A request with its Idempotency-Key, scoped to its user, as the route hands
 * it to the use case (`@KeyedBy()`); the use case claims the key and records
 * the answer in its own unit of work (`IdempotencyService.claim`).
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

/** How one request of a unit of work is answered: its body, the replay of its key, or a refusal (to throw). */
export type Settled<B = unknown> = { body: B } | { replay: Replay } | { refusal: unknown };

/**
 * The requests of one unit of work, their keys claimed (`IdempotencyService.claim`):
 * which of them run, and, once the caller has told how each one that ran
 * ended, what every one answers.
 *
 * - A request whose key was answered before (or belongs to another body, or
 *   is held by a request still running) is settled by the claim: it does
 *   not run.
 * - The first request of each distinct key claims it; a later one with the
 *   same key (sent twice into one batch) does not run either: once the
 *   answers are recorded it hears what its key holds, as if it came right
 *   after its first request (a replay, or a refusal for another body); where
 *   the key was given back, the first's answer.
 * - A request without a key just runs.
 *
 * Everything happens in the caller's transaction: the answers are only good
 * once it commits.
 */
export class ClaimedKeys {
  /** The positions of the requests that run, in order. */
  readonly running: readonly number[];
  private readonly recorded: { request: KeyedRequest; status: number; body: unknown }[] = [];
  private readonly released: KeyedRequest[] = [];

  constructor(
    private readonly keys: IdempotencyKeyRepository,
    private readonly requests: readonly (KeyedRequest | undefined)[],
    private readonly settled: (Settled | undefined)[],
    /** Position of a request repeating a key -> position of the first request with it. */
    private readonly followers: ReadonlyMap<number, number>,
  ) {
    this.running = requests.flatMap((_, index) => (settled[index] || followers.has(index) ? [] : [index]));
  }

  /** The request at `index` ran and answers `body` (a 200), recorded under its key. */
  answered(index: number, body: unknown): void {
    this.settled[index] = { body };
    const request = this.requests[index];
    if (request) this.recorded.push({ request, status: 200, body });
  }

  /**
   * The request at `index` was refused (nothing of it written): the refusal
   * is recorded under its key when it binds one, else the key is given back
   * as a rolled-back request would leave it.
   */
  refused(index: number, refusal: DomainError<string>): void {
    this.settled[index] = { refusal };
    const request = this.requests[index];
    if (!request) return;
    const answer = request.recordable(refusal);
    if (answer) this.recorded.push({ request, ...answer });
    else this.released.push(request);
  }

  /**
   * Records the answers (one statement) and gives back the keys of refusals
   * that bind none (one more, only when there are some), then answers the
   * requests that repeated a key (one more, only when there are some).
   * Every request that ran must have been answered or refused.
   */
  async settle(): Promise<Settled[]> {
    await this.keys.recordAll(
      this.recorded.map(({ request, status, body }) => ({
        userId: request.userId,
        key: request.key,
        status,
        body: JSON.stringify(body ?? null),
      })),
    );
    await this.keys.releaseAll(this.released);
    if (this.followers.size > 0) {
      const repeats = [...this.followers.keys()];
      const stored = await this.keys.storedAll(repeats.map((index) => this.requests[index]!));
      for (const index of repeats) {
        const request = this.requests[index]!;
        const answer = stored.get(keyString(request));
        this.settled[index] = answer ? settledBy(answerFor(answer, request.fingerprint)) : this.settled[this.followers.get(index)!];
      }
    }
    return this.settled as Settled[];
  }
}

/** The first request of each distinct key claims it; later ones with the same key follow the first. */
export function byKey(requests: readonly (KeyedRequest | undefined)[]) {
  const owners = new Map<string, number>();
  const claimants: number[] = [];
  const followers = new Map<number, number>();
  requests.forEach((request, index) => {
    if (!request) return;
    const id = keyString(request);
    const owner = owners.get(id);
    if (owner === undefined) {
      owners.set(id, index);
      claimants.push(index);
    } else {
      followers.set(index, owner);
    }
  });
  return { claimants, followers };
}

/** A request answered by its key instead of running: a replay, or a refusal. */
export function settledBy(answer: Replay | IdempotencyRefusal): Settled {
  return answer instanceof Replay ? { replay: answer } : { refusal: answer };
}

/** What a stored key answers a request with this body: its replay, or a refusal (another body; its first request still runs). */
export function answerFor(stored: StoredAnswer, fingerprint: string): Replay | IdempotencyRefusal {
  if (stored.fingerprint !== fingerprint) return new IdempotencyKeyReusedError();
  if (stored.status === null || stored.body === null) return new IdempotencyKeyInProgressError();
  return new Replay(stored.status, JSON.parse(stored.body) as unknown);
}
