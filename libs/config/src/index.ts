export {
  loadConfig,
  ConfigError,
  type AppConfig,
  type DatabaseConfig,
  type HttpConfig,
  type SessionConfig,
} from './app.config';
