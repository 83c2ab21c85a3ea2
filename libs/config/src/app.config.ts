import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { type ObservabilityConfig, readObservabilityConfig } from './observability.config';

/**
 * The one environment schema. Read and validated once at boot; every other
 * module receives the typed slices below and never touches process.env.
 */
export interface DatabaseConfig {
  /** Unset: an embedded PostgreSQL is started with its data in `embeddedDataDir`. */
  url: string | undefined;
  /** Migrations connect with this (the schema's owner); unset: `url`. Only with `url`. */
  migrationUrl: string | undefined;
  embeddedDataDir: string;
  embeddedPort: number;
  poolSize: number;
  /** Apply pending migrations (under an advisory lock) when the API starts. */
  migrateOnStart: boolean;
  debug: boolean;
  /**
   * Send the hot read statements as named prepared statements (parsed and
   * planned once per connection). Off behind a transaction-mode pooler
   * (PgBouncer before 1.21), which hands each transaction another server
   * connection that has never seen the statement.
   */
  preparedStatements: boolean;
  /**
   * What sits between the service and PostgreSQL (DB_POOLER): `none`, or
   * `pgbouncer-transaction` (PgBouncer in transaction mode): then no
   * statement is prepared by name, the connections send no startup
   * parameters (the timeouts are the role's defaults in the database,
   * applied by the migrations), and migrations need MIGRATION_DATABASE_URL
   * pointing past the pooler.
   */
  pooler: DatabasePooler;
  /** Streaming replicas for the reads that may lag (README, "Read replicas"); none: every read on the primary. */
  replicas: ReplicaConfig;
}

export interface ReplicaConfig {
  /** DATABASE_REPLICA_URLS: hot standbys of DATABASE_URL's server, same database and role. */
  urls: string[];
  /** A replica further behind the primary than this (or not answering) is skipped. */
  maxLagSeconds: number;
  /** How often each replica's replay position (and the primary's WAL position) is sampled. */
  pollMs: number;
}

export const DATABASE_POOLERS = ['none', 'pgbouncer-transaction'] as const;
export type DatabasePooler = (typeof DATABASE_POOLERS)[number];

export interface HttpConfig {
  port: number;
  host: string;
  /** Serve the session cookie with the Secure flag (behind HTTPS); the default in production. */
  secureCookies: boolean;
  /**
   * Express `trust proxy`: false, a hop count, or addresses and subnets (never
   * true). Decides req.ip (the throttles' client address) and req.secure.
   */
  trustProxy: TrustProxy;
  /** The built admin console served at /admin; unset: the build's copy beside the API (dist/apps/admin-console). */
  adminConsoleDir: string | undefined;
  /** The HTTP server's limits against slow or numerous clients (apps/api/src/bootstrap/server-limits.ts). */
  limits: ServerLimits;
}

export interface ServerLimits {
  /** A request's headers must arrive within this (408 and the connection closed otherwise). */
  headersTimeoutMs: number;
  /** The whole request, body included, within this (408); the answer's own time is not counted. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; one more is closed as soon as it is accepted. */
  maxConnections: number;
}

export type TrustProxy = false | number | string[];

export interface SessionConfig {
  /** Unset outside production: a secret generated once and kept in `secretFile`. */
  secret: string | undefined;
  /** Where the generated secret lives: next to the embedded database's data, mode 0600. */
  secretFile: string;
  maxAgeSeconds: number;
}

/** Per client address (req.ip) and per username; 0 turns a limit off. */
export interface ThrottleConfig {
  windowSeconds: number;
  failedLoginsPerUsername: number;
  failedLoginsPerAddress: number;
  registrationsPerAddress: number;
  registrationWindowSeconds: number;
}

export interface ShutdownConfig {
  /** SIGTERM/SIGINT: in-flight requests, pools and the embedded database get this long; past it the process exits 1. */
  timeoutSeconds: number;
}

export interface AppConfig {
  production: boolean;
  database: DatabaseConfig;
  http: HttpConfig;
  session: SessionConfig;
  observability: ObservabilityConfig;
  throttle: ThrottleConfig;
  shutdown: ShutdownConfig;
  /** GET /v1/admin/ledger/audit: a run still going after `timeoutSeconds` is abandoned (503 AUDIT_TIMED_OUT). */
  audit: { timeoutSeconds: number };
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^[0-9]+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  };

  const url = env.DATABASE_URL || undefined;
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const migrationUrl = env.MIGRATION_DATABASE_URL || undefined;
  if (migrationUrl !== undefined && !/^postgres(ql)?:\/\//.test(migrationUrl)) {
    problems.push('MIGRATION_DATABASE_URL must be a postgres:// or postgresql:// URL');
  } else if (migrationUrl !== undefined && url === undefined) {
    problems.push('MIGRATION_DATABASE_URL needs DATABASE_URL (the embedded PostgreSQL has roles of its own)');
  }
  if (production && url === undefined) {
    // The embedded PostgreSQL serves local runs only (its binaries are not in the image).
    problems.push('DATABASE_URL must be set in production (postgres://user:password@host:5432/db)');
  }
  const replicaUrls = (env.DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const [index, replicaUrl] of replicaUrls.entries()) {
    if (!/^postgres(ql)?:\/\//.test(replicaUrl)) {
      problems.push(`DATABASE_REPLICA_URLS must be postgres:// or postgresql:// URLs (entry ${index + 1} is not)`);
    }
  }
  if (replicaUrls.length > 0 && url === undefined) {
    problems.push('DATABASE_REPLICA_URLS needs DATABASE_URL (the replicas stream from that server)');
  }
  const maxLagRaw = env.REPLICA_MAX_LAG_SECONDS;
  let maxLagSeconds = 5;
  if (maxLagRaw !== undefined && maxLagRaw !== '') {
    const value = Number(maxLagRaw);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(maxLagRaw) || value < 0.1 || value > 3600) {
      problems.push(`REPLICA_MAX_LAG_SECONDS must be a number of seconds in [0.1, 3600], got "${maxLagRaw}"`);
    } else {
      maxLagSeconds = value;
    }
  }
  const secret = env.SESSION_SECRET || undefined;
  if (production && (secret ?? '').length < 32) {
    problems.push('SESSION_SECRET must be set to at least 32 characters in production');
  }
  const embeddedDataDir = env.EMBEDDED_PG_DATA_DIR || '.data/postgres';
  const trustProxy = trustProxySetting(env.TRUST_PROXY, problems);
  // The service speaks plain HTTP: a Secure cookie works only behind a TLS
  // proxy that Express trusts (X-Forwarded-Proto makes req.secure true).
  // Without that trust express-session silently sends no cookie at all.
  const secureCookies = bool('SECURE_COOKIES', production);
  if (secureCookies && (trustProxy === false || trustProxy === 0)) {
    const which = env.SECURE_COOKIES ? 'SECURE_COOKIES=true' : 'SECURE_COOKIES (true by default in production)';
    problems.push(
      `${which} needs TRUST_PROXY (a hop count or the proxy's addresses): cookies are Secure only over HTTPS, ` +
        'which the service sees through its TLS proxy; set SECURE_COOKIES=false to serve plain HTTP',
    );
  }

  const pooler = poolerSetting(env, url, migrationUrl, problems);

  const config: AppConfig = {
    production,
    database: {
      url,
      migrationUrl: migrationUrl ?? url,
      embeddedDataDir,
      embeddedPort: int('EMBEDDED_PG_PORT', 54329, 1024, 65535),
      poolSize: int('DB_POOL_SIZE', 10, 1, 200),
      migrateOnStart: bool('MIGRATE_ON_START', true),
      debug: bool('DB_DEBUG', false),
      // Behind a transaction-mode pooler a named statement would be missing on the next server connection.
      preparedStatements: bool('DB_PREPARED_STATEMENTS', pooler === 'none'),
      pooler,
      replicas: { urls: replicaUrls, maxLagSeconds, pollMs: int('REPLICA_POLL_MS', 50, 5, 10_000) },
    },
    http: {
      port: int('PORT', 8080, 0, 65535),
      host: env.HOST || '0.0.0.0',
      secureCookies,
      trustProxy,
      adminConsoleDir: env.ADMIN_CONSOLE_DIR || undefined,
      limits: {
        headersTimeoutMs: int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
        requestTimeoutMs: int('HTTP_REQUEST_TIMEOUT_MS', 25_000, 100, 600_000),
        keepAliveTimeoutMs: int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
        maxConnections: int('MAX_CONNECTIONS', 1024, 1, 1_000_000),
      },
    },
    session: {
      secret,
      secretFile: join(dirname(embeddedDataDir), 'session-secret'),
      maxAgeSeconds: int('SESSION_MAX_AGE_SECONDS', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    },
    observability: readObservabilityConfig(env, production, problems),
    throttle: {
      windowSeconds: int('LOGIN_THROTTLE_WINDOW_SECONDS', 15 * 60, 1, 24 * 3600),
      failedLoginsPerUsername: int('LOGIN_FAILURES_PER_USERNAME', 5, 0, 1_000_000),
      failedLoginsPerAddress: int('LOGIN_FAILURES_PER_ADDRESS', 100, 0, 1_000_000),
      registrationsPerAddress: int('REGISTRATIONS_PER_ADDRESS', 20, 0, 1_000_000),
      registrationWindowSeconds: int('REGISTRATION_WINDOW_SECONDS', 3600, 1, 7 * 24 * 3600),
    },
    shutdown: { timeoutSeconds: int('SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 600) },
    audit: { timeoutSeconds: int('AUDIT_TIMEOUT_SECONDS', 600, 1, 24 * 3600) },
  };
  const { limits } = config.http;
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  const { metricsEnabled, metricsPort } = config.observability;
  if (metricsEnabled && metricsPort !== 0 && metricsPort === config.http.port) {
    problems.push(`METRICS_PORT must differ from PORT (${metricsPort}): metrics are served apart from the API`);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      problems.length === 1
        ? `Invalid configuration: ${problems[0]}`
        : `Invalid configuration:\n- ${problems.join('\n- ')}`,
    );
  }
  return config;
}

/**
 * DB_POOLER. Behind PgBouncer in transaction mode, refused in one line:
 * DB_PREPARED_STATEMENTS=true (each transaction may get a server connection
 * that never saw the statement: 26000 / 42P05 at run time), and migrations
 * (MIGRATE_ON_START, the default) without a MIGRATION_DATABASE_URL of their
 * own: their session advisory lock would stay behind on a pooled server
 * connection, and a second instance would migrate at the same time or hang.
 */
function poolerSetting(env: Env, url: string | undefined, migrationUrl: string | undefined, problems: string[]) {
  const raw = (env.DB_POOLER || 'none').trim().toLowerCase();
  if (!(DATABASE_POOLERS as readonly string[]).includes(raw)) {
    problems.push(`DB_POOLER must be one of ${DATABASE_POOLERS.join(', ')}, got "${env.DB_POOLER}"`);
    return 'none';
  }
  const pooler = raw as DatabasePooler;
  if (pooler === 'none') return pooler;
  if (url === undefined) {
    problems.push(`DB_POOLER=${pooler} needs DATABASE_URL (the pooler's address)`);
  }
  if (['1', 'true', 'yes'].includes((env.DB_PREPARED_STATEMENTS ?? '').toLowerCase())) {
    problems.push(
      `DB_PREPARED_STATEMENTS=true cannot work behind DB_POOLER=${pooler}: each transaction may run on a server ` +
        'connection that never saw the statement; leave it unset (false)',
    );
  }
  const migrateOnStart = !['0', 'false', 'no'].includes((env.MIGRATE_ON_START ?? '').toLowerCase());
  if (url !== undefined && migrateOnStart && (migrationUrl === undefined || migrationUrl === url)) {
    problems.push(
      `DB_POOLER=${pooler} with MIGRATE_ON_START needs MIGRATION_DATABASE_URL pointing past the pooler (straight ` +
        "to PostgreSQL): the migrations' advisory lock must hold on one server connection; or MIGRATE_ON_START=false",
    );
  }
  return pooler;
}

/**
 * Why migrations must not run on `database.migrationUrl` (a commands' check:
 * `cli migrate`, `make admin`...): behind a pooler it must be a connection of
 * its own, straight to PostgreSQL. Undefined when they may.
 */
export function migrationUrlProblem(database: DatabaseConfig): string | undefined {
  if (database.pooler === 'none' || database.url === undefined) return undefined;
  if (database.migrationUrl !== undefined && database.migrationUrl !== database.url) return undefined;
  return (
    `DB_POOLER=${database.pooler}: migrations need MIGRATION_DATABASE_URL pointing past the pooler (straight to ` +
    "PostgreSQL), where their advisory lock holds on one server connection"
  );
}

const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY as Express reads it: false, a hop count (1: the one proxy in
 * front, whose X-Forwarded-For entry is the client), or a comma-separated
 * list of proxy addresses, subnets and the names loopback, linklocal,
 * uniquelocal. `true` (trust every hop) is refused: it takes the leftmost
 * X-Forwarded-For entry, which a client writes itself.
 */
function trustProxySetting(raw: string | undefined, problems: string[]): TrustProxy {
  if (raw === undefined || raw === '') return false;
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === 'yes') {
    // Every hop trusted: req.ip is the leftmost X-Forwarded-For entry, which any client writes itself, so
    // each guess could come from a "new address" and no per-address limit would hold.
    problems.push(
      `TRUST_PROXY=${raw.trim()} would let any client choose its address with X-Forwarded-For (and slip past the ` +
        'throttles): give the number of proxies in front (1) or their addresses/subnets (loopback, 10.0.0.0/8, ...)',
    );
    return false;
  }
  if (['0', 'false', 'no'].includes(value)) return false;
  if (/^[0-9]+$/.test(value)) {
    if (Number(value) <= 32) return Number(value);
  } else {
    const entries = value.split(',').map((entry) => entry.trim());
    const valid = (entry: string) => {
      if (TRUST_PROXY_NAMES.includes(entry)) return true;
      const [address, prefix, ...rest] = entry.split('/');
      const family = isIP(address);
      if (family === 0 || rest.length > 0) return false;
      return prefix === undefined || (/^[0-9]+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
    };
    if (entries.every(valid)) return entries;
  }
  problems.push(
    `TRUST_PROXY must be false, a hop count up to 32, or addresses/subnets (loopback, 10.0.0.0/8, ...), got "${raw}"`,
  );
  return false;
}
