import { ConfigError, loadConfig } from './app.config';

describe('loadConfig', () => {
  it('defaults to the embedded database on port 8080', () => {
    const config = loadConfig({});
    expect(config.database.url).toBeUndefined();
    expect(config.http.port).toBe(8080);
    expect(config.database.migrateOnStart).toBe(true);
  });

  it('reads DATABASE_URL and PORT', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', PORT: '9000' });
    expect(config.database.url).toBe('postgres://u@h:5432/db');
    expect(config.http.port).toBe(9000);
  });

  it('bounds the shutdown: 10 s unless SHUTDOWN_TIMEOUT_SECONDS says otherwise (1 to 600)', () => {
    expect(loadConfig({}).shutdown.timeoutSeconds).toBe(10);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '30' }).shutdown.timeoutSeconds).toBe(30);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '0' })).toThrow(/SHUTDOWN_TIMEOUT_SECONDS/);
  });

  it('rejects invalid values all at once, naming each variable', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', MIGRATE_ON_START: 'maybe' });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ['PORT', 'DATABASE_URL', 'MIGRATE_ON_START']) expect(message).toContain(name);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(ConfigError);
  });

  it('demands a real session secret in production', () => {
    const url = 'postgres://u@h:5432/db';
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: url })).toThrow(/SESSION_SECRET/);
    expect(
      loadConfig({ NODE_ENV: 'production', DATABASE_URL: url, SESSION_SECRET: 'x'.repeat(32) }).session.secret,
    ).toBe('x'.repeat(32));
  });

  it('demands DATABASE_URL in production, in one line naming it (no embedded database there)', () => {
    const attempt = () => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^Invalid configuration: DATABASE_URL must be set in production/);
    expect(() => attempt()).not.toThrow(/\n/);
  });
});
