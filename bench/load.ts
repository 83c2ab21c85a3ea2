import autocannon, { type Request } from 'autocannon';
import { randomUUID } from 'node:crypto';
import { type ProcessUsage, round, sampleProcess } from './process-stats';

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
  api: ProcessUsage;
}

export interface RequestPlan {
  method: 'GET' | 'POST';
  /** Builds each request: path, cookie, body (JSON) and whether to send an Idempotency-Key. */
  next(): { path: string; cookie: string; body?: unknown; idempotent?: boolean };
}

/**
 * One scenario: `connections` concurrent clients for `seconds` (and at most
 * `maxRequests`), every request built afresh by the plan, while the API
 * process's RSS and CPU are sampled. Bounded in time and in count.
 */
export async function runLoad(
  scenario: string,
  url: string,
  apiPid: number,
  plan: RequestPlan,
  options: { connections: number; seconds: number; maxRequests: number },
): Promise<LoadResult> {
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
            const headers: Record<string, string> = { cookie: next.cookie };
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
    api,
  };
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
