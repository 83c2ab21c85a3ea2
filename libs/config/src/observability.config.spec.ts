import { ConfigError, loadConfig } from './app.config';

describe('observability configuration', () => {
  it('logs at info, in the automatic format, to stdout, with /metrics on, by default', () => {
    expect(loadConfig({}).observability).toEqual({
      logLevel: 'info',
      logFormat: 'auto',
      logDestination: 'stdout',
      metricsEnabled: true,
    });
  });

  it('reads LOG_LEVEL, LOG_FORMAT, LOG_DESTINATION and METRICS_ENABLED', () => {
    const config = loadConfig({
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      LOG_DESTINATION: '/tmp/api.log',
      METRICS_ENABLED: 'false',
    });
    expect(config.observability).toEqual({
      logLevel: 'debug',
      logFormat: 'json',
      logDestination: '/tmp/api.log',
      metricsEnabled: false,
    });
  });

  it('refuses an unknown level or format in one line naming the variable', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(
      /^Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"$/,
    );
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be one of auto, json, pretty/);
    expect(() => loadConfig({ METRICS_ENABLED: 'sometimes' })).toThrow(ConfigError);
  });

  it('keeps production lines JSON: LOG_FORMAT=pretty is refused there', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@h/db',
      SESSION_SECRET: 'x'.repeat(32),
      TRUST_PROXY: '1',
    };
    expect(() => loadConfig({ ...production, LOG_FORMAT: 'pretty' })).toThrow(/LOG_FORMAT=pretty/);
    expect(loadConfig(production).observability.logFormat).toBe('auto');
  });
});
