import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { BackgroundJobs } from '@app/persistence';
import { HoldsService } from './holds.service';

const EVERY_MS = 30_000;
const BATCH = 500;

/**
 * Now and then, marks holds past their expiry EXPIRED (batch after batch
 * until none is due). Correctness never depends on it: an expired hold
 * reserves nothing and cannot be captured whenever it is read. It keeps the
 * pending-holds counters true, so that a wallet whose holds all expired pays
 * without reading them. Runs outside any request (BackgroundJobs), each
 * batch in a context of its own; several instances may run it at once (due
 * holds are locked SKIP LOCKED).
 */
@Injectable()
export class HoldExpirySweeper implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: BackgroundJobs,
    private readonly holds: HoldsService,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.every(HoldExpirySweeper.name, EVERY_MS, () => this.expireDue());
  }

  /** Expires every due hold; returns how many. */
  async expireDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.jobs.run(() => this.holds.expireDue(BATCH));
      total += expired;
      if (expired < BATCH) return total;
    }
  }
}
