import { TransactionPropagation } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/errors';
import { toErrorResponse } from '@app/http';
import { isLockTimeout, UnitOfWork } from '@app/persistence';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from './idempotency.errors';
import { IdempotencyKeyRepository } from './idempotency-key.repository';

export type Outcome =
  /** The request ran now; a failure was recorded and must be answered as it was raised. */
  | { replayed: false; data: unknown }
  | { replayed: false; failure: unknown }
  /** An earlier request with the key answered this. */
  | { replayed: true; status: number; body: unknown };

/** Failures of the request itself, not of its business: they bind no key (nothing was attempted). */
const NOT_RECORDED = new Set(['REQUEST_VALIDATION_FAILED', 'INVALID_JSON_BODY']);

/**
 * Runs a keyed request at most once. One transaction holds the claim of the
 * key, the use case's postings and the recorded answer, so a crash leaves
 * either all three or none. The use case runs in a savepoint: when it fails
 * with a business error (insufficient funds, ...) its writes are undone but
 * the failure is recorded under the key and replayed like a success would be.
 * Conflicts (deadlocks, timeouts) and server errors record nothing: the whole
 * transaction is retried or rolled back and the key stays free.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly em: EntityManager,
    private readonly keys: IdempotencyKeyRepository,
  ) {}

  execute(userId: string, key: string, fingerprint: string, action: () => Promise<unknown>): Promise<Outcome> {
    return this.unitOfWork.run(async () => {
      const stored = await this.claim(userId, key, fingerprint);
      if (stored) {
        if (stored.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
        if (stored.status === null || stored.body === null) throw new IdempotencyKeyInProgressError();
        return { replayed: true, status: stored.status, body: JSON.parse(stored.body) as unknown };
      }
      try {
        const data = await this.em.transactional(() => action(), { propagation: TransactionPropagation.NESTED });
        await this.keys.record(userId, key, { status: 200, body: JSON.stringify(data ?? null) });
        return { replayed: false, data };
      } catch (error) {
        const answer = recordable(error);
        if (!answer) throw error;
        await this.keys.record(userId, key, { status: answer.status, body: JSON.stringify(answer.body) });
        return { replayed: false, failure: error };
      }
    });
  }

  private async claim(userId: string, key: string, fingerprint: string) {
    try {
      return await this.keys.claim(userId, key, fingerprint);
    } catch (error) {
      // The first request with this key has held it longer than lock_timeout.
      if (isLockTimeout(error)) throw new IdempotencyKeyInProgressError();
      throw error;
    }
  }
}

/** A business failure (4xx other than 409) with the answer it produces. */
function recordable(error: unknown): { status: number; body: unknown } | null {
  if (!(error instanceof DomainError) || NOT_RECORDED.has(error.code)) return null;
  const { status, body } = toErrorResponse(error);
  return status >= 400 && status < 500 && status !== 409 ? { status, body } : null;
}
