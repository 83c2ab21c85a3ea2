import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Statements } from '@app/persistence';
import { IdempotencyKeyRepository } from './idempotency-key.repository';

const EVERY_MS = 15 * 60 * 1000;

/**
 * Deletes expired keys now and then. Correctness never depends on it (an
 * expired key is taken over by the next request that uses it); it keeps the
 * table small. Runs outside any request, on a fork of the EntityManager.
 */
@Injectable()
export class IdempotencyKeyCleaner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyKeyCleaner.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly orm: MikroORM,
    private readonly statements: Statements,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge().catch((error) => this.logger.warn(String(error))), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Deletes every expired key, `batch` at a time; returns how many. */
  purge(batch?: number): Promise<number> {
    return new IdempotencyKeyRepository(this.orm.em.fork(), this.statements).purgeExpired(batch);
  }
}
