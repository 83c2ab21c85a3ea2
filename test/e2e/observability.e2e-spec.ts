import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import request from 'supertest';
import { ormOptions } from '@app/persistence';
import { MetricsServer, ReadinessState } from '@app/observability';
import { databaseUrl, type LogLine, TestContext, testDatabaseEnv, useTestContext } from '@app/testing';
import { migrationsList } from '../../migrations';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The access line of the request that answered with this X-Request-Id. */
function accessLine(lines: LogLine[], requestId: string): LogLine {
  const found = lines.filter((line) => line.requestId === requestId && 'durationMs' in line);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The value of the session cookie a response set (what a log must never show). */
function sessionCookie(response: request.Response): string {
  const header = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('sessionid='));
  expect(header).toBeDefined();
  return decodeURIComponent(header!.split(';')[0].slice('sessionid='.length));
}

describe('observability: request ids and the access log', () => {
  // First context of this file: nestjs-pino's out-of-request logger is this app's.
  const ctx = useTestContext({ captureLogs: true });

  it('echoes a valid X-Request-Id and uses it on the access line', async () => {
    const id = `client.req-${randomUUID()}`;
    const response = await request(ctx.server).get('/healthcheck').set('X-Request-Id', id).expect(200);
    expect(response.headers['x-request-id']).toBe(id);
    const line = accessLine(ctx.logLines(), id);
    expect(line).toMatchObject({ level: 'info', method: 'GET', route: '/healthcheck', status: 200 });
  });

  it('generates a request id when none or an invalid one is sent, also for a request refused before routing', async () => {
    const none = await request(ctx.server).get('/healthcheck').expect(200);
    expect(none.headers['x-request-id']).toMatch(UUID);
    for (const invalid of ['has space', 'x'.repeat(129), 'semi;colon', 'ünïcode']) {
      const response = await request(ctx.server).get('/healthcheck').set('X-Request-Id', invalid).expect(200);
      expect(response.headers['x-request-id']).toMatch(UUID);
    }
    const refused = await request(ctx.server)
      .post('/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('{not json')
      .expect(422);
    expect(refused.headers['x-request-id']).toMatch(UUID);
    expect(accessLine(ctx.logLines(), refused.headers['x-request-id'])).toMatchObject({
      method: 'POST',
      route: 'unmatched',
      status: 422,
    });
  });

  it('writes one access line per request with method, route pattern, status, duration and user id', async () => {
    const alice = await ctx.fundedUser('100.00');
    const bob = await ctx.registerUser();
    const hold = await ctx.placeHold(alice, bob.walletId, '10.00');
    const id = randomUUID();
    await alice.agent.post(`/v1/holds/${hold.id}/capture`).set('X-Request-Id', id).send({}).expect(200);

    const line = accessLine(ctx.logLines(), id);
    expect(line).toMatchObject({
      level: 'info',
      method: 'POST',
      route: '/v1/holds/:id/capture',
      status: 200,
      userId: alice.id,
      msg: expect.stringMatching(/^POST \/v1\/holds\/:id\/capture 200 \d+ ms$/),
    });
    expect(line.durationMs).toEqual(expect.any(Number));
    expect(line.route).not.toContain(hold.id); // the pattern names the line and the metric...
    expect(line.url).toBe(`/v1/holds/${hold.id}/capture`); // ...the line keeps the request's URL
    expect(line.remoteAddress).toEqual(expect.any(String));

    const anonymous = await request(ctx.server).get('/v1/wallets').expect(401);
    expect(accessLine(ctx.logLines(), anonymous.headers['x-request-id'])).toMatchObject({
      route: '/v1/wallets',
      status: 401,
    });
    expect(accessLine(ctx.logLines(), anonymous.headers['x-request-id']).userId).toBeUndefined();
  });

  it('logs no cookie, session id, password or Idempotency-Key, and a real 500 without its SQL parameters', async () => {
    const username = `secretive-${randomUUID().slice(0, 8)}`;
    const password = `pw-${randomUUID()}`;
    const registered = await request(ctx.server)
      .post('/v1/auth/register')
      .send({ username, password, passwordConfirm: password })
      .expect(200);
    const registerCookie = sessionCookie(registered);
    const agent = request.agent(ctx.server);
    const login = await agent.post('/v1/auth/login').send({ username, password }).expect(200);
    const loginCookie = sessionCookie(login);
    const key = `key-${randomUUID()}`;
    const deposit = await agent.post('/v1/wallets/deposit').set('Idempotency-Key', key).send({ amount: '5.00' });
    expect(deposit.status).toBe(200);
    await agent.post('/v1/wallets/deposit').set('Idempotency-Key', key).send({ amount: '5.00' }).expect(200);
    await request(ctx.server)
      .post('/v1/auth/login')
      .send({ username, password: `${password}-wrong` })
      .expect(401);

    // A real 500: PostgreSQL refuses this one registration (a trigger), so MikroORM raises a
    // DriverException whose message holds the INSERT with its parameters, the password hash among them.
    const doomed = `doomed-${randomUUID().slice(0, 8)}`;
    await ctx.db.query(`
      create or replace function refuse_doomed() returns trigger language plpgsql as $$
      begin
        if new.username like 'doomed-%' then raise exception 'refused by the observability test'; end if;
        return new;
      end $$;
      create trigger refuse_doomed before insert on users for each row execute function refuse_doomed();`);
    let failed: request.Response;
    try {
      failed = await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username: doomed, password, passwordConfirm: password })
        .expect(500);
    } finally {
      await ctx.db.query('drop trigger refuse_doomed on users; drop function refuse_doomed()');
    }

    const text = ctx.logText();
    const { rows } = await ctx.db.query<{ password_hash: string }>(
      'select password_hash from users where username = $1',
      [username],
    );
    const sessionIds = [registerCookie, loginCookie].map((cookie) => cookie.replace(/^s:/, '').split('.')[0]);
    for (const secret of [password, rows[0].password_hash, registerCookie, loginCookie, ...sessionIds, key]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('$argon2id$'); // nor the hash of the refused registration
    expect(text).not.toContain(doomed);

    // Access lines carry no headers at all: no cookie, Set-Cookie or Idempotency-Key, redacted or not.
    const lines = ctx.logLines();
    for (const answer of [login, deposit]) {
      const line = accessLine(lines, answer.headers['x-request-id']);
      expect(line).toMatchObject({ method: 'POST', status: 200 });
      expect(line).not.toHaveProperty('req');
      expect(line).not.toHaveProperty('res');
      expect(JSON.stringify(line)).not.toMatch(/cookie|idempotency/i);
    }

    // The 500: an access line at error level and the error's own line, both with the request id.
    const failedId = failed!.headers['x-request-id'];
    expect(accessLine(lines, failedId)).toMatchObject({ level: 'error', route: '/v1/auth/register', status: 500 });
    const errorLine = lines.find((line) => line.requestId === failedId && line.context === 'Errors');
    expect(errorLine).toMatchObject({ level: 'error' });
    expect(errorLine!.msg).toMatch(
      /^DriverException \(SQLSTATE P0001, statement: insert …, parameters not logged\): refused by the observability test\n\s+at /,
    );
  });

  it('DB_DEBUG=true logs each statement with placeholders and the request id, never the parameter values', async () => {
    const debug = await TestContext.create({ captureLogs: true, env: { DB_DEBUG: 'true' } });
    try {
      const username = `debugged-${randomUUID().slice(0, 8)}`;
      const password = `pw-${randomUUID()}`;
      const response = await request(debug.server)
        .post('/v1/auth/register')
        .send({ username, password, passwordConfirm: password })
        .expect(200);
      const { rows } = await debug.db.query<{ password_hash: string }>(
        'select password_hash from users where username = $1',
        [username],
      );
      const text = debug.logText();
      for (const secret of [password, rows[0].password_hash, username]) expect(text).not.toContain(secret);
      const queries = debug
        .logLines()
        .filter((line) => line.context === 'MikroORM' && line.requestId === response.headers['x-request-id']);
      const insert = queries.find((line) => /insert into "users"/.test(line.msg ?? ''));
      expect(insert?.msg).toMatch(/^\[query\] insert into "users" \(.*\) values \(\$1, \$2, .*\[took \d+ ms/);
    } finally {
      await debug.close();
    }
  });
});

const READY_DETAILS = {
  status: 'ok',
  info: {
    lifecycle: { status: 'up' },
    database: { status: 'up' },
    migrations: { status: 'up', pending: 0 },
  },
  error: {},
  details: {
    lifecycle: { status: 'up' },
    database: { status: 'up' },
    migrations: { status: 'up', pending: 0 },
  },
};

describe('observability: GET /readyz', () => {
  const ctx = useTestContext();

  it('answers 200 {"status":"ok"} on the API port and nothing more; the checks on the metrics port', async () => {
    const response = await request(ctx.server).get('/readyz').expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({ status: 'ok' });
    const details = await request(ctx.metricsUrl).get('/readyz').expect(200);
    expect(details.headers['cache-control']).toBe('no-store');
    expect(details.body).toEqual(READY_DETAILS);
  });

  it('answers 503 once the instance is marked as shutting down, while /healthcheck stays 200', async () => {
    const instance = await TestContext.create();
    try {
      await request(instance.server).get('/readyz').expect(200);
      instance.app.get(ReadinessState).markShuttingDown();
      const response = await request(instance.server).get('/readyz').expect(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({ status: 'error' });
      const details = await request(instance.metricsUrl).get('/readyz').expect(503);
      expect(details.headers['retry-after']).toBe('5');
      expect(details.body).toMatchObject({
        status: 'error',
        error: { lifecycle: { status: 'down', message: 'shutting down' } },
        info: { database: { status: 'up' } },
      });
      await request(instance.server).get('/healthcheck').expect(200, { healthy: true });
    } finally {
      await instance.close();
    }
  });

  it('answers 503 on a database migrated one step short; only the metrics port names the migration', async () => {
    const name = `wallet_short_${randomUUID().slice(0, 8)}`;
    const admin = new Client({ connectionString: testDatabaseEnv().adminUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    const url = databaseUrl(testDatabaseEnv().adminUrl, name);
    let short: TestContext | undefined;
    try {
      const orm = await MikroORM.init(ormOptions({ url, poolSize: 1, debug: false, migrationsList }));
      const last = migrationsList[migrationsList.length - 1].name;
      await orm.getMigrator().up({ to: migrationsList[migrationsList.length - 2].name });
      await orm.close();
      short = await TestContext.create({ databaseUrl: url });
      const response = await request(short.server).get('/readyz').expect(503);
      expect(response.text).toBe('{"status":"error"}');
      const details = await request(short.metricsUrl).get('/readyz').expect(503);
      expect(details.body).toMatchObject({
        status: 'error',
        error: { migrations: { status: 'down', pending: 1, next: last } },
        info: { database: { status: 'up' }, lifecycle: { status: 'up' } },
      });
    } finally {
      await short?.close();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });
});

/** The value of one sample of the exposition text (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('observability: GET /metrics', () => {
  const ctx = useTestContext();

  const scrape = async () => {
    const response = await request(ctx.metricsUrl).get('/metrics').expect(200);
    // Prometheus' text format, version 0.0.4 (Express puts the charset first; the order is free).
    const [type, ...parameters] = response.headers['content-type'].split(/;\s*/);
    expect(type).toBe('text/plain');
    expect(parameters.sort()).toEqual(['charset=utf-8', 'version=0.0.4']);
    return response.text;
  };

  it('exposes every documented metric with its labels after a deposit, a refused transfer and a replay', async () => {
    const alice = await ctx.fundedUser('10.00');
    const bob = await ctx.registerUser();
    await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '50.00' }).expect(400);
    await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: 'lots' }).expect(422);
    const key = randomUUID();
    await alice.agent.post('/v1/wallets/deposit').set('Idempotency-Key', key).send({ amount: '1.00' }).expect(200);
    await alice.agent.post('/v1/wallets/deposit').set('Idempotency-Key', key).send({ amount: '1.00' }).expect(200);
    const hold = await ctx.placeHold(alice, bob.walletId, '2.00');
    await alice.agent.post(`/v1/holds/${hold.id}/capture`).send({}).expect(200);

    const text = await scrape();
    const deposits = { method: 'POST', route: '/v1/wallets/deposit', status_code: '200' };
    expect(sample(text, 'http_request_duration_seconds_count', deposits)).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...deposits, le: '+Inf' })).toBe(3);
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/holds/:id/capture',
        status_code: '200',
      }),
    ).toBe(1);
    expect(text).not.toContain(hold.id);
    expect(sample(text, 'ledger_journal_entries_posted_total', { type: 'DEPOSIT' })).toBe(2); // the replay posts nothing
    expect(sample(text, 'ledger_journal_entries_posted_total', { type: 'TRANSFER' })).toBe(1);
    expect(sample(text, 'ledger_movements_refused_total', { reason: 'INSUFFICIENT_FUNDS' })).toBe(1);
    expect(sample(text, 'ledger_movements_refused_total', { reason: 'REQUEST_VALIDATION_FAILED' })).toBe(1);
    expect(sample(text, 'idempotency_replays_total')).toBe(1);
    for (const pool of ['orm', 'sessions']) {
      for (const state of ['used', 'free', 'pending']) {
        expect(sample(text, 'db_pool_connections', { pool, state })).toEqual(expect.any(Number));
      }
      expect(sample(text, 'db_pool_max_connections', { pool })).toBeGreaterThan(0);
    }
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toEqual(expect.any(Number));
    expect(text).toContain('# TYPE db_conflict_retries_total counter');
  });

  it('counts a use case retried after a lock timeout, by SQLSTATE', async () => {
    const alice = await ctx.registerUser();
    const locker = await ctx.connectDb();
    await locker.query('begin');
    await locker.query('select 1 from wallets where id = $1 for update', [alice.walletId]);
    // The deposit waits past lock_timeout (5 s), is rolled back and runs again once the lock is gone.
    const deposit = alice.agent.post('/v1/wallets/deposit').send({ amount: '1.00' });
    const answered = deposit.then((response) => response);
    await new Promise((resolve) => setTimeout(resolve, 5_600));
    await locker.query('commit');
    expect((await answered).status).toBe(200);
    expect(sample(await scrape(), 'db_conflict_retries_total', { sqlstate: '55P03' })).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('serves /metrics on its own listener, on 127.0.0.1 by default, and not on the API port (404 envelope)', async () => {
    expect(new URL(ctx.metricsUrl).hostname).toBe('127.0.0.1');
    expect(new URL(ctx.metricsUrl).port).not.toBe('');
    const response = await request(ctx.server).get('/metrics').expect(404);
    expect(response.body).toEqual({
      status: {
        success: false,
        errors: [{ code: 'NOT_FOUND', message: 'Not found.', target: '__all__', reason: 'ROUTE_NOT_FOUND' }],
      },
      data: null,
    });
    expect(response.text).not.toContain('nodejs_');
    // The metrics listener serves monitoring only: no API route there.
    await request(ctx.metricsUrl).get('/v1/wallets').expect(404);
    await request(ctx.metricsUrl).get('/healthcheck').expect(404);
    await request(ctx.metricsUrl).post('/metrics').expect(405);
  });

  it('closes the metrics listener when the application closes', async () => {
    const instance = await TestContext.create();
    const url = instance.metricsUrl;
    await request(url).get('/metrics').expect(200);
    await instance.close();
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
  });

  it('opens no metrics listener with METRICS_ENABLED=false', async () => {
    const quiet = await TestContext.create({ env: { METRICS_ENABLED: 'false' } });
    try {
      expect(quiet.app.get(MetricsServer).url).toBeUndefined();
      expect(() => quiet.metricsUrl).toThrow(/METRICS_ENABLED=false/);
      await request(quiet.server).get('/metrics').expect(404);
      await request(quiet.server).get('/readyz').expect(200, { status: 'ok' });
    } finally {
      await quiet.close();
    }
  });
});
