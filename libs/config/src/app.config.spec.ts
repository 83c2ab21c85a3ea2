import { ConfigError, loadConfig, migrationUrlProblem } from './app.config';

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

  it('migrates with MIGRATION_DATABASE_URL (the schema owner), DATABASE_URL by default, never without DATABASE_URL', () => {
    const url = 'postgres://api@h:5432/db';
    const owner = 'postgres://owner:pw@h:5432/db';
    expect(loadConfig({ DATABASE_URL: url }).database.migrationUrl).toBe(url);
    expect(loadConfig({ DATABASE_URL: url, MIGRATION_DATABASE_URL: owner }).database).toMatchObject({
      url,
      migrationUrl: owner,
    });
    expect(loadConfig({}).database.migrationUrl).toBeUndefined();
    expect(() => loadConfig({ DATABASE_URL: url, MIGRATION_DATABASE_URL: 'mysql://x' })).toThrow(
      /^Invalid configuration: MIGRATION_DATABASE_URL must be a postgres/,
    );
    expect(() => loadConfig({ MIGRATION_DATABASE_URL: owner })).toThrow(/MIGRATION_DATABASE_URL needs DATABASE_URL/);
  });

  it('reads DATABASE_REPLICA_URLS (comma-separated, only with DATABASE_URL) and REPLICA_MAX_LAG_SECONDS', () => {
    const url = 'postgres://u@primary:5432/db';
    expect(loadConfig({ DATABASE_URL: url }).database.replicas).toEqual({ urls: [], maxLagSeconds: 5, pollMs: 50 });
    const replicas = 'postgres://u@r1:5432/db, postgresql://u@r2:5432/db';
    expect(
      loadConfig({ DATABASE_URL: url, DATABASE_REPLICA_URLS: replicas, REPLICA_MAX_LAG_SECONDS: '1.5' }).database
        .replicas,
    ).toMatchObject({ urls: ['postgres://u@r1:5432/db', 'postgresql://u@r2:5432/db'], maxLagSeconds: 1.5 });
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://u@r1/db' })).toThrow(
      /DATABASE_REPLICA_URLS needs DATABASE_URL/,
    );
    expect(() => loadConfig({ DATABASE_URL: url, DATABASE_REPLICA_URLS: 'mysql://r1/db' })).toThrow(
      /DATABASE_REPLICA_URLS must be postgres/,
    );
    for (const lag of ['0', '-1', 'soon', '4000']) {
      expect(() => loadConfig({ DATABASE_URL: url, REPLICA_MAX_LAG_SECONDS: lag })).toThrow(/REPLICA_MAX_LAG_SECONDS/);
    }
  });

  it('serves the built admin console from beside the API unless ADMIN_CONSOLE_DIR names another', () => {
    expect(loadConfig({}).http.adminConsoleDir).toBeUndefined();
    expect(loadConfig({ ADMIN_CONSOLE_DIR: '/srv/console' }).http.adminConsoleDir).toBe('/srv/console');
  });

  it('prepares the hot statements unless DB_PREPARED_STATEMENTS=false (a transaction-mode pooler)', () => {
    expect(loadConfig({}).database.preparedStatements).toBe(true);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: 'false' }).database.preparedStatements).toBe(false);
    expect(() => loadConfig({ DB_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/DB_PREPARED_STATEMENTS/);
  });

  it('DB_POOLER=pgbouncer-transaction: nothing prepared, migrations only past the pooler, each refusal one line', () => {
    const pooled = 'postgres://api@bouncer:6432/db';
    const direct = 'postgres://owner@db:5432/db';
    expect(loadConfig({}).database.pooler).toBe('none');
    const config = loadConfig({
      DATABASE_URL: pooled,
      MIGRATION_DATABASE_URL: direct,
      DB_POOLER: 'pgbouncer-transaction',
    });
    expect(config.database).toMatchObject({
      pooler: 'pgbouncer-transaction',
      preparedStatements: false,
      migrationUrl: direct,
    });
    expect(migrationUrlProblem(config.database)).toBeUndefined();
    expect(() =>
      loadConfig({
        DATABASE_URL: pooled,
        MIGRATION_DATABASE_URL: direct,
        DB_POOLER: 'pgbouncer-transaction',
        DB_PREPARED_STATEMENTS: 'true',
      }),
    ).toThrow(
      /^Invalid configuration: DB_PREPARED_STATEMENTS=true cannot work behind DB_POOLER=pgbouncer-transaction[^\n]*$/,
    );
    expect(() => loadConfig({ DATABASE_URL: pooled, DB_POOLER: 'pgbouncer-transaction' })).toThrow(
      /^Invalid configuration: DB_POOLER=pgbouncer-transaction with MIGRATE_ON_START needs MIGRATION_DATABASE_URL[^\n]*$/,
    );
    const noMigrations = loadConfig({
      DATABASE_URL: pooled,
      DB_POOLER: 'pgbouncer-transaction',
      MIGRATE_ON_START: 'false',
    });
    expect(migrationUrlProblem(noMigrations.database)).toMatch(/MIGRATION_DATABASE_URL pointing past the pooler/);
    expect(() => loadConfig({ DB_POOLER: 'pgpool' })).toThrow(/DB_POOLER must be one of none, pgbouncer-transaction/);
  });

  it('bounds the shutdown: 10 s unless SHUTDOWN_TIMEOUT_SECONDS says otherwise (1 to 600)', () => {
    expect(loadConfig({}).shutdown.timeoutSeconds).toBe(10);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '30' }).shutdown.timeoutSeconds).toBe(30);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '0' })).toThrow(/SHUTDOWN_TIMEOUT_SECONDS/);
  });

  it('bounds the ledger audit: 600 s unless AUDIT_TIMEOUT_SECONDS says otherwise (1 to 86400)', () => {
    expect(loadConfig({}).audit.timeoutSeconds).toBe(600);
    expect(loadConfig({ AUDIT_TIMEOUT_SECONDS: '30' }).audit.timeoutSeconds).toBe(30);
    expect(() => loadConfig({ AUDIT_TIMEOUT_SECONDS: '0' })).toThrow(/AUDIT_TIMEOUT_SECONDS/);
  });

  it('limits the HTTP server: headers in 10 s, the request in 25 s, keep-alive 5 s, 1024 connections', () => {
    expect(loadConfig({}).http.limits).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 25_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1024,
    });
    const limits = {
      HTTP_HEADERS_TIMEOUT_MS: '300',
      HTTP_REQUEST_TIMEOUT_MS: '600',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
      MAX_CONNECTIONS: '2',
    };
    expect(loadConfig(limits).http.limits).toEqual({
      headersTimeoutMs: 300,
      requestTimeoutMs: 600,
      keepAliveTimeoutMs: 1000,
      maxConnections: 2,
    });
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '30000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS/,
    );
    expect(() => loadConfig({ MAX_CONNECTIONS: '0' })).toThrow(/MAX_CONNECTIONS must be an integer in \[1, 1000000\]/);
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
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: url, TRUST_PROXY: '1' })).toThrow(/SESSION_SECRET/);
    expect(
      loadConfig({ NODE_ENV: 'production', DATABASE_URL: url, SESSION_SECRET: 'x'.repeat(32), TRUST_PROXY: '1' })
        .session.secret,
    ).toBe('x'.repeat(32));
  });

  it('demands DATABASE_URL in production, in one line naming it (no embedded database there)', () => {
    const attempt = () => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), TRUST_PROXY: '1' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^Invalid configuration: DATABASE_URL must be set in production/);
    expect(() => attempt()).not.toThrow(/\n/);
  });

  describe('sessions', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@h:5432/db',
      SESSION_SECRET: 'x'.repeat(32),
    };

    it("has no fixed secret outside production: one is generated next to the embedded database's data", () => {
      const config = loadConfig({});
      expect(config.session.secret).toBeUndefined();
      expect(config.session.secretFile).toBe('.data/session-secret');
      expect(loadConfig({ EMBEDDED_PG_DATA_DIR: '/srv/ledger/pg' }).session.secretFile).toBe(
        '/srv/ledger/session-secret',
      );
      expect(loadConfig({ SESSION_SECRET: 'mine' }).session.secret).toBe('mine');
    });

    it('serves Secure cookies by default in production (behind a trusted TLS proxy), not outside it', () => {
      expect(loadConfig({ ...production, TRUST_PROXY: '1' }).http.secureCookies).toBe(true);
      expect(loadConfig({}).http.secureCookies).toBe(false);
    });

    it('lets production opt out of Secure cookies for plain HTTP with SECURE_COOKIES=false', () => {
      const config = loadConfig({ ...production, SECURE_COOKIES: 'false' });
      expect(config.http.secureCookies).toBe(false);
      expect(config.http.trustProxy).toBe(false);
    });

    it('refuses Secure cookies without TRUST_PROXY, in one line naming both (the login would set no cookie)', () => {
      for (const env of [{ SECURE_COOKIES: 'true' }, { SECURE_COOKIES: 'true', TRUST_PROXY: 'false' }, production]) {
        let message = '';
        try {
          loadConfig(env);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          message = (error as Error).message;
        }
        expect(message).toMatch(/^Invalid configuration: SECURE_COOKIES.* needs TRUST_PROXY/);
        expect(message).toContain('SECURE_COOKIES=false');
        expect(message).not.toContain('\n');
      }
      expect(loadConfig({ SECURE_COOKIES: 'true', TRUST_PROXY: '1' }).http.secureCookies).toBe(true);
    });
  });

  describe('TRUST_PROXY', () => {
    it.each<[string, unknown]>([
      ['false', false],
      ['1', 1],
      ['2', 2],
      ['loopback', ['loopback']],
      ['10.0.0.0/8, 192.168.1.7 ,::1', ['10.0.0.0/8', '192.168.1.7', '::1']],
      ['fd00::/8,uniquelocal', ['fd00::/8', 'uniquelocal']],
    ])("reads %p as Express's trust proxy %p", (raw, expected) => {
      expect(loadConfig({ TRUST_PROXY: raw }).http.trustProxy).toEqual(expected);
    });

    it.each(['maybe', '10.0.0.0/33', '999.1.1.1', '33', '10.0.0.1/8/1', 'loopback,'])('refuses %p naming it', (raw) => {
      expect(() => loadConfig({ TRUST_PROXY: raw })).toThrow(/^Invalid configuration: TRUST_PROXY must be/);
    });

    it.each(['true', 'TRUE', 'yes'])(
      'refuses %p (every hop trusted: any client picks its address) in one line',
      (raw) => {
        const attempt = () => loadConfig({ TRUST_PROXY: raw });
        expect(attempt).toThrow(ConfigError);
        expect(attempt).toThrow(
          new RegExp(
            `^Invalid configuration: TRUST_PROXY=${raw} would let any client choose its address .*\\(1\\) or their addresses/subnets \\(loopback, 10\\.0\\.0\\.0/8, \\.\\.\\.\\)$`,
          ),
        );
      },
    );
  });

  describe('login and registration throttles', () => {
    it('defaults to 5 failures per username and 100 per address in 15 minutes, 20 registrations per address an hour', () => {
      expect(loadConfig({}).throttle).toEqual({
        windowSeconds: 900,
        failedLoginsPerUsername: 5,
        failedLoginsPerAddress: 100,
        registrationsPerAddress: 20,
        registrationWindowSeconds: 3600,
      });
    });

    it('reads each limit', () => {
      const config = loadConfig({
        LOGIN_THROTTLE_WINDOW_SECONDS: '60',
        LOGIN_FAILURES_PER_USERNAME: '3',
        LOGIN_FAILURES_PER_ADDRESS: '0',
        REGISTRATIONS_PER_ADDRESS: '10',
        REGISTRATION_WINDOW_SECONDS: '86400',
      });
      expect(config.throttle).toEqual({
        windowSeconds: 60,
        failedLoginsPerUsername: 3,
        failedLoginsPerAddress: 0,
        registrationsPerAddress: 10,
        registrationWindowSeconds: 86400,
      });
    });

    it.each([
      ['LOGIN_FAILURES_PER_USERNAME', 'five'],
      ['LOGIN_FAILURES_PER_ADDRESS', '-1'],
      ['LOGIN_THROTTLE_WINDOW_SECONDS', '0'],
      ['REGISTRATIONS_PER_ADDRESS', '1.5'],
      ['REGISTRATION_WINDOW_SECONDS', '99999999'],
    ])('refuses %s=%p in one line naming it', (name, value) => {
      const attempt = () => loadConfig({ [name]: value });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(
        new RegExp(
          `^Invalid configuration: ${name} must be an integer in \\[\\d+, \\d+\\], got "${value.replace('.', '\\.')}"$`,
        ),
      );
    });
  });
});
