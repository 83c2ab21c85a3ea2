export {
  loadConfig,
  migrationUrlProblem,
  ConfigError,
  type AppConfig,
  type DatabaseConfig,
  type DatabasePooler,
  DATABASE_POOLERS,
  type ReplicaConfig,
  type HttpConfig,
  type ServerLimits,
  type SessionConfig,
  type ThrottleConfig,
  type TrustProxy,
  type ShutdownConfig,
} from './app.config';
export {
  type ObservabilityConfig,
  type LogLevel,
  type LogFormat,
  LOG_LEVELS,
  LOG_FORMATS,
  DEFAULT_METRICS_PORT,
} from './observability.config';
