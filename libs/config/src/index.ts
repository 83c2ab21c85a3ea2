export {
  loadConfig,
  ConfigError,
  type AppConfig,
  type DatabaseConfig,
  type HttpConfig,
  type SessionConfig,
  type ShutdownConfig,
} from './app.config';
