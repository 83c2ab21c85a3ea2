import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

/** How long an answer about pending migrations is reused: probes come every few seconds. */
export const MIGRATIONS_CACHE_MS = 5_000;

/**
 * Down while a committed migration is not applied to the database (an
 * instance of a newer release on a database not yet migrated, or one
 * migrated back): its code would read columns that are not there.
 */
@Injectable()
export class MigrationsIndicator {
  private cached?: { until: number; pending: Promise<string[]> };

  constructor(
    private readonly orm: MikroORM,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key: string) {
    const indicator = this.indicators.check(key);
    try {
      const pending = await this.pending();
      return pending.length === 0
        ? indicator.up({ pending: 0 })
        : indicator.down({ pending: pending.length, next: pending[0] });
    } catch {
      return indicator.down({ message: 'the applied migrations could not be read' });
    }
  }

  private pending(): Promise<string[]> {
    const now = Date.now();
    if (this.cached && this.cached.until > now) return this.cached.pending;
    const pending = this.orm
      .getMigrator()
      .getPendingMigrations()
      .then((migrations) => migrations.map((migration) => migration.name));
    this.cached = { until: now + MIGRATIONS_CACHE_MS, pending };
    // A failure is not remembered: the next probe asks again.
    pending.catch(() => {
      if (this.cached?.pending === pending) this.cached = undefined;
    });
    return pending;
  }
}
