import autocannon, { type Request } from 'autocannon';
import { randomUUID } from 'node:crypto';
import { type ProcessUsage, round, sampleProcess, waitForIdle } from './process-stats';

export interface LoadResult {
  scenario: string;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  status5xx: number;
  /** Responses with a 2xx status (the successful requests). */
  status2xx: number;
  /** The process under load: the API, or the bare Express reference. */
  process: 'api' | 'bare express';
  /** A money-moving scenario (transfer, deposit): CPU per request and batch sizes are reported for these. */
  money: boolean;
  /** Its process's peak RSS and CPU while loaded (the API's, or the bare Express's for that row). */
  api: ProcessUsage;
  /** How long the process took to become idle before the scenario started (in-flight requests of the previous one). */
  settleMs: number;
  /** The process's CPU milliseconds per 2xx response: (utime + stime after − before) ÷ 2xx responses. */
  cpuMsPerOk: number | null;
  /**
   * Mean and largest batch of money commands committed together, from the
   * API's group_commit_batch_size histogram (the largest is the histogram
   * bound that holds every batch); null with a note when not measured.
   */
  batchSize: { mean: number | null; max: number | null; note: string } | null;
}

export interface RequestPlan {
  method: 'GET' | 'POST';
  /** Builds each request: path, cookie, body (JSON) and whether to send an Idempotency-Key. */
  next(): { path: string; cookie?: string; body?: unknown; idempotent?: boolean };
}

/**
 * One scenario: `connections` concurrent clients for `seconds` (and at most
 * `maxRequests`), every request built afresh by the plan, while the API
 * process's RSS and CPU are sampled. Bounded in time and in count.
 * `apiPid` is the process under load (the API, or the bare Express reference).
 */
export async function runLoad(
  scenario: string,
  url: string,
  apiPid: number,
  plan: RequestPlan,
  options: {
    connections: number;
    seconds: number;
    maxRequests: number;
    money?: boolean;
    /** The API's metrics listener, where the group commit's batch sizes are read (money scenarios). */
    metricsUrl?: string;
    process?: LoadResult['process'];
  },
): Promise<LoadResult> {
  // Start on an idle process: the previous scenario's in-flight requests served first.
  const settleMs = await waitForIdle(apiPid);
  const batchesBefore = options.money && options.metricsUrl ? await batchSizes(options.metricsUrl) : null;
  const sampler = sampleProcess(apiPid);
  const result = await boundedRun(
    {
      url,
      connections: options.connections,
      // autocannon ignores `duration` when `amount` is set: the time bound is
      // autocannon's, the count bound is boundedRun's.
      duration: options.seconds,
      timeout: 10,
      requests: [
        {
          method: plan.method,
          setupRequest: (request: Request): Request => {
            const next = plan.next();
            const headers: Record<string, string> = {};
            if (next.cookie !== undefined) headers.cookie = next.cookie;
            if (next.body !== undefined) headers['content-type'] = 'application/json';
            if (next.idempotent) headers['idempotency-key'] = randomUUID();
            return {
              ...request,
              path: next.path,
              headers,
              body: next.body === undefined ? undefined : JSON.stringify(next.body),
            };
          },
        },
      ],
    },
    options.maxRequests,
  );
  const api = sampler.stop();
  return {
    scenario,
    connections: options.connections,
    requestsPerSecond: round(result.requests.average, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    status5xx: result['5xx'],
    status2xx: result['2xx'],
    process: options.process ?? 'api',
    money: options.money ?? false,
    api,
    settleMs,
    cpuMsPerOk: result['2xx'] > 0 ? round(api.cpuMs / result['2xx'], 2) : null,
    batchSize: batchesBefore ? batchStats(batchesBefore, await batchSizes(options.metricsUrl!)) : null,
  };
}

/** The group commit's batch-size histogram as the metrics listener's /metrics shows it: cumulative bucket counts, sum and count. */
interface BatchHistogram {
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

async function batchSizes(metricsUrl: string): Promise<BatchHistogram | null> {
  const response = await fetch(`${metricsUrl}/metrics`).catch(() => null);
  if (!response?.ok) return null;
  const text = await response.text();
  const histogram: BatchHistogram = { buckets: new Map(), sum: 0, count: 0 };
  for (const line of text.split('\n')) {
    const bucket = /^group_commit_batch_size_bucket\{le="([^"]+)"\} (\d+)/.exec(line);
    if (bucket && bucket[1] !== '+Inf') histogram.buckets.set(Number(bucket[1]), Number(bucket[2]));
    const total = /^group_commit_batch_size_(sum|count) ([\d.]+)/.exec(line);
    if (total) histogram[total[1] as 'sum' | 'count'] = Number(total[2]);
  }
  return histogram;
}

/** Mean batch over the scenario, and the largest as the smallest histogram bound that holds every batch. */
function batchStats(before: BatchHistogram, after: BatchHistogram | null): LoadResult['batchSize'] {
  if (!after) return { mean: null, max: null, note: 'n/a (no /metrics)' };
  const count = after.count - before.count;
  if (count === 0) return { mean: null, max: null, note: 'n/a (no batch)' };
  const bounds = [...after.buckets.keys()].sort((a, b) => a - b);
  const max = bounds.find((bound) => after.buckets.get(bound)! - (before.buckets.get(bound) ?? 0) === count) ?? null;
  return { mean: round((after.sum - before.sum) / count, 1), max, note: '' };
}

/** Runs autocannon for its duration, stopping early after `maxRequests` responses. */
function boundedRun(options: autocannon.Options, maxRequests: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    let responses = 0;
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on('response', () => {
      if (++responses === maxRequests) instance.stop();
    });
  });
}
