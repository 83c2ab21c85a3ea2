import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SessionLoader, type SessionReadStats } from '@app/auth';
import type { EntryType } from '@app/ledger';
import { type ReadTarget, ReplicaSet } from '@app/persistence';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/**
 * The API's Prometheus metrics (README, "Observability", lists each one).
 * Each app has its own registry; the process's default metrics (event-loop
 * lag, heap, GC, CPU) live in one registry per process, since they describe
 * the process, and are served beside them.
 *
 * Bound by ObservabilityModule as the ledger's PostingObserver, the unit of
 * work's ConflictRetryObserver, idempotency's IdempotencyObserver and the
 * group commit's MoneyMovementsObserver: the
 * libraries tell, this counts.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request arriving to its response finished, by method, route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly entriesPosted = new Counter({
    name: 'ledger_journal_entries_posted_total',
    help: 'Journal entries written by the ledger, by entry type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  private readonly movementsRefused = new Counter({
    name: 'ledger_movements_refused_total',
    help: 'Money-moving requests refused with a 4xx, by error reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly idempotentReplays = new Counter({
    name: 'idempotency_replays_total',
    help: 'Requests answered by replaying the stored answer of their Idempotency-Key',
    registers: [this.registry],
  });

  private readonly batchSizes = new Histogram({
    name: 'group_commit_batch_size',
    help: 'Money-moving commands per committed batch of the group commit',
    buckets: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128],
    registers: [this.registry],
  });

  private readonly conflictRetries = new Counter({
    name: 'db_conflict_retries_total',
    help: 'Use cases run again after a lock conflict, by SQLSTATE (40P01 deadlock, 40001 serialization, 55P03 lock timeout)',
    labelNames: ['sqlstate'] as const,
    registers: [this.registry],
  });

  private readonly routedReads = new Counter({
    name: 'db_routed_reads_total',
    help: 'Reads that may lag (history pages, balance at a moment, admin reads) by where they ran: primary or replica',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly orm: MikroORM,
    private readonly modules: ModuleRef,
  ) {
    const pools = () => this.poolUsage();
    new Gauge({
      name: 'db_pool_connections',
      help: 'Connections of each database pool by state: used, free, pending (requests waiting for one)',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      collect() {
        for (const [pool, usage] of Object.entries(pools())) {
          for (const state of ['used', 'free', 'pending'] as const) this.set({ pool, state }, usage[state]);
        }
      },
    });
    // The session store counts; a scrape reads its totals.
    const sessionReads = (counter: Counter, count: (stats: SessionReadStats) => number) => {
      const stats = this.sessions()?.readStats();
      if (!stats) return;
      counter.reset();
      counter.inc(count(stats));
    };
    new Counter({
      name: 'session_reads_total',
      help: 'Session lookups of requests on routes that need a session',
      registers: [this.registry],
      collect() {
        sessionReads(this, (stats) => stats.reads);
      },
    });
    new Counter({
      name: 'session_read_queries_total',
      help: 'Queries that answered the session lookups (concurrent lookups share one query)',
      registers: [this.registry],
      collect() {
        sessionReads(this, (stats) => stats.queries);
      },
    });
    const replicas = () => this.modules.get(ReplicaSet, { strict: false })?.status() ?? [];
    new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'How far each replica is behind the primary: seconds since the primary first wrote WAL it has not replayed (absent while it does not answer)',
      labelNames: ['replica'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const replica of replicas()) {
          if (replica.lagSeconds !== null) this.set({ replica: replica.name }, replica.lagSeconds);
        }
      },
    });
    new Gauge({
      name: 'db_replica_usable',
      help: 'Whether reads may go to each replica: 1 answering and within REPLICA_MAX_LAG_SECONDS, 0 skipped',
      labelNames: ['replica'] as const,
      registers: [this.registry],
      collect() {
        for (const replica of replicas()) this.set({ replica: replica.name }, replica.usable ? 1 : 0);
      },
    });
    new Gauge({
      name: 'db_pool_max_connections',
      help: 'Size limit of each database pool',
      labelNames: ['pool'] as const,
      registers: [this.registry],
      collect() {
        for (const [pool, usage] of Object.entries(pools())) this.set({ pool }, usage.max);
      },
    });
  }

  requestFinished(method: string, route: string, status: number, seconds: number): void {
    const label = HTTP_METHODS.has(method) ? method : 'OTHER';
    this.httpDuration.observe({ method: label, route, status_code: String(status) }, seconds);
  }

  /** PostingObserver */
  entryPosted(type: EntryType): void {
    this.entriesPosted.inc({ type });
  }

  /** MoneyMovementsObserver */
  batchCommitted(size: number): void {
    this.batchSizes.observe(size);
  }

  /** IdempotencyObserver: a refusal an @Idempotent() route answered afresh. */
  refused(reason: string): void {
    this.movementsRefused.inc({ reason });
  }

  /** IdempotencyObserver */
  replayed(): void {
    this.idempotentReplays.inc();
  }

  /** ReplicaReadObserver */
  routed(target: ReadTarget): void {
    this.routedReads.inc({ target });
  }

  /** ConflictRetryObserver */
  retrying(sqlState: string): void {
    this.conflictRetries.inc({ sqlstate: sqlState });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text a Prometheus scrape reads: the process's default metrics, then the app's. */
  async scrape(): Promise<string> {
    return `${await processRegistry().metrics()}\n${await this.registry.metrics()}`;
  }

  private poolUsage(): Record<string, PoolUsage> {
    const usage: Record<string, PoolUsage> = {};
    const pool = (this.orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
    if (pool) {
      usage.orm = {
        used: pool.numUsed(),
        free: pool.numFree(),
        pending: pool.numPendingAcquires(),
        max: pool.max,
      };
    }
    const sessions = this.sessions();
    if (sessions) usage.sessions = sessions.poolUsage();
    return usage;
  }

  private sessions(): SessionLoader | undefined {
    return this.modules.get(SessionLoader, { strict: false }) as SessionLoader | undefined;
  }
}

interface PoolUsage {
  used: number;
  free: number;
  pending: number;
  max: number;
}

/** knex's pool (tarn.js), as far as the metrics read it. */
interface TarnPool {
  max: number;
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

let defaultMetrics: Registry | undefined;

/** Node's default metrics (nodejs_eventloop_lag_seconds and the rest), once per process. */
function processRegistry(): Registry {
  if (!defaultMetrics) {
    defaultMetrics = new Registry();
    collectDefaultMetrics({ register: defaultMetrics });
  }
  return defaultMetrics;
}
