/**
 * The one environment schema. Read and validated once at boot; every other
 * module receives the typed slices below and never touches process.env.
 */
export interface DatabaseConfig {
  /** Unset: an embedded PostgreSQL is started with its data in `embeddedDataDir`. */
  url: string | undefined;
  embeddedDataDir: string;
  embeddedPort: number;
  poolSize: number;
  /** Apply pending migrations (under an advisory lock) when the API starts. */
  migrateOnStart: boolean;
  debug: boolean;
}

export interface HttpConfig {
  port: number;
  host: string;
  /** Serve the session cookie with the Secure flag (behind HTTPS). */
  secureCookies: boolean;
  /** Express `trust proxy` setting, for correct client addresses behind a proxy. */
  trustProxy: boolean;
}

export interface SessionConfig {
  secret: string;
  maxAgeSeconds: number;
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
  shutdown: ShutdownConfig;
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
  if (production && url === undefined) {
    // The embedded PostgreSQL serves local runs only (its binaries are not in the image).
    problems.push('DATABASE_URL must be set in production (postgres://user:password@host:5432/db)');
  }
  const secret = env.SESSION_SECRET || (production ? '' : 'dev-only-session-secret-change-me');
  if (production && secret.length < 32) {
    problems.push('SESSION_SECRET must be set to at least 32 characters in production');
  }

  const config: AppConfig = {
    production,
    database: {
      url,
      embeddedDataDir: env.EMBEDDED_PG_DATA_DIR || '.data/postgres',
      embeddedPort: int('EMBEDDED_PG_PORT', 54329, 1024, 65535),
      poolSize: int('DB_POOL_SIZE', 10, 1, 200),
      migrateOnStart: bool('MIGRATE_ON_START', true),
      debug: bool('DB_DEBUG', false),
    },
    http: {
      port: int('PORT', 8080, 0, 65535),
      host: env.HOST || '0.0.0.0',
      secureCookies: bool('SECURE_COOKIES', false),
      trustProxy: bool('TRUST_PROXY', false),
    },
    session: {
      secret,
      maxAgeSeconds: int('SESSION_MAX_AGE_SECONDS', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    },
    shutdown: { timeoutSeconds: int('SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 600) },
  };
  if (problems.length > 0) {
    throw new ConfigError(
      problems.length === 1
        ? `Invalid configuration: ${problems[0]}`
        : `Invalid configuration:\n- ${problems.join('\n- ')}`,
    );
  }
  return config;
}
