import { RequestContext } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HoldsService } from './holds.service';

const EVERY_MS = 30_000;
const BATCH = 500;

/**
 * Now and then, marks holds past their expiry EXPIRED (batch after batch
 * until none is due). Correctness never depends on it: an expired hold
 * reserves nothing and cannot be captured whenever it is read. It keeps the
 * pending-holds counters true, so that a wallet whose holds all expired pays
 * without reading them. Runs outside any request, in a context of its own;
 * several instances may run it at once (due holds are locked SKIP LOCKED).
 */
@Injectable()
export class HoldExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HoldExpirySweeper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly orm: MikroORM,
    private readonly holds: HoldsService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep().catch((error) => this.logger.warn(String(error))), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Expires every due hold; returns how many. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await RequestContext.create(this.orm.em, () => this.holds.expireDue(BATCH));
      total += expired;
      if (expired < BATCH) return total;
    }
  }
}
