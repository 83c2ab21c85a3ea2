/**
 * The observability slice of the environment schema (logs, metrics), read by
 * loadConfig beside the others and validated with them.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `auto`: readable lines when stdout is a terminal outside production, JSON otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface ObservabilityConfig {
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** `stdout`, `stderr`, or a file the lines are appended to (the e2e tests read it). */
  logDestination: string;
  /** Serve GET /metrics (and /readyz with its checks) on a listener of their own; false: no listener at all. */
  metricsEnabled: boolean;
  /** That listener's address: the loopback by default, the container's interface inside the compose network. */
  metricsHost: string;
  /** Its port, never the API's (0: any free port, for tests). */
  metricsPort: number;
}

type Env = Record<string, string | undefined>;

/** The metrics listener's default port (the one the OpenTelemetry Prometheus exporter uses). */
export const DEFAULT_METRICS_PORT = 9464;

export function readObservabilityConfig(env: Env, production: boolean, problems: string[]): ObservabilityConfig {
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  };
  const rawMetrics = (env.METRICS_ENABLED ?? '').toLowerCase();
  let metricsEnabled = true;
  if (['0', 'false', 'no'].includes(rawMetrics)) metricsEnabled = false;
  else if (!['', '1', 'true', 'yes'].includes(rawMetrics)) {
    problems.push(`METRICS_ENABLED must be true or false, got "${env.METRICS_ENABLED}"`);
  }
  const logFormat = oneOf('LOG_FORMAT', LOG_FORMATS, 'auto');
  if (production && logFormat === 'pretty') {
    // Production lines are read by machines; pino-pretty is not even in the image.
    problems.push('LOG_FORMAT=pretty is not allowed in production (every line is JSON there)');
  }
  const rawPort = env.METRICS_PORT ?? '';
  let metricsPort = DEFAULT_METRICS_PORT;
  if (rawPort !== '') {
    metricsPort = Number(rawPort);
    if (!/^[0-9]+$/.test(rawPort) || metricsPort > 65535) {
      problems.push(`METRICS_PORT must be an integer in [0, 65535], got "${rawPort}"`);
      metricsPort = DEFAULT_METRICS_PORT;
    }
  }
  return {
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat,
    logDestination: env.LOG_DESTINATION || 'stdout',
    metricsEnabled,
    metricsHost: env.METRICS_HOST || '127.0.0.1',
    metricsPort,
  };
}
