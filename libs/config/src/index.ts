export {
  loadConfig,
  ConfigError,
  type AppConfig,
  type DatabaseConfig,
  type HttpConfig,
  type SessionConfig,
  type ThrottleConfig,
  type TrustProxy,
} from './app.config';
