import { ConfigError, loadConfig } from './app.config';

describe('observability configuration', () => {
  it('logs at info, in the automatic format, to stdout, with /metrics on 127.0.0.1:9464, by default', () => {
    expect(loadConfig({}).observability).toEqual({
      logLevel: 'info',
      logFormat: 'auto',
      logDestination: 'stdout',
      metricsEnabled: true,
      metricsHost: '127.0.0.1',
      metricsPort: 9464,
    });
  });

  it('reads LOG_LEVEL, LOG_FORMAT, LOG_DESTINATION, METRICS_ENABLED, METRICS_HOST and METRICS_PORT', () => {
    const config = loadConfig({
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      LOG_DESTINATION: '/tmp/api.log',
      METRICS_ENABLED: 'false',
      METRICS_HOST: '0.0.0.0',
      METRICS_PORT: '0',
    });
    expect(config.observability).toEqual({
      logLevel: 'debug',
      logFormat: 'json',
      logDestination: '/tmp/api.log',
      metricsEnabled: false,
      metricsHost: '0.0.0.0',
      metricsPort: 0,
    });
  });

  it('refuses a METRICS_PORT that is not a port, or the API port itself', () => {
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT must be an integer in \[0, 65535\]/);
    expect(() => loadConfig({ METRICS_PORT: 'nine' })).toThrow(/METRICS_PORT must be an integer/);
    expect(() => loadConfig({ PORT: '9000', METRICS_PORT: '9000' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(loadConfig({ PORT: '9000', METRICS_PORT: '9000', METRICS_ENABLED: 'false' }).http.port).toBe(9000);
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
