import { RequestContext } from '@mikro-orm/core';
import { type EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

/**
 * Work that runs outside any request (the hold-expiry sweeper, the expired
 * idempotency key cleaner): on a timer that never keeps the process alive,
 * each run in a context of its own (its own identity map, as a request has;
 * allowGlobalContext stays off), a failed run logged as a warning under the
 * job's name and tried again at the next tick. Every timer stops when the
 * module is destroyed, before the ORM closes its connections. The job's work
 * opens its unit of work itself, as any use case does (or runs its
 * statements on their own, as the key cleaner does on purpose).
 */
@Injectable()
export class BackgroundJobs implements OnModuleDestroy {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly orm: MikroORM) {}

  /** Runs `work` every `everyMs` milliseconds, outside any request (see `run`), until the module is destroyed. */
  every(name: string, everyMs: number, work: () => Promise<unknown>): void {
    const logger = new Logger(name);
    const timer = setInterval(() => void this.run(work).catch((error) => logger.warn(String(error))), everyMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Runs `work` once in a context of its own, handing it that context's EntityManager (also what `em` resolves to inside). */
  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return RequestContext.create(this.orm.em, () => work(this.orm.em.getContext() as EntityManager));
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }
}
