import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { BackgroundJobs, Statements } from '@app/persistence';
import { IdempotencyKeyRepository } from './idempotency-key.repository';

const EVERY_MS = 15 * 60 * 1000;

/**
 * Deletes expired keys now and then. Correctness never depends on it (an
 * expired key is taken over by the next request that uses it); it keeps the
 * table small. Runs outside any request (BackgroundJobs), in a context of
 * its own.
 */
@Injectable()
export class IdempotencyKeyCleaner implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: BackgroundJobs,
    private readonly statements: Statements,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.every(IdempotencyKeyCleaner.name, EVERY_MS, () => this.purge());
  }

  /** Deletes every expired key, `batch` at a time; returns how many. */
  purge(batch?: number): Promise<number> {
    return this.jobs.run(() => new IdempotencyKeyRepository(this.statements).purgeExpired(batch));
  }
}
