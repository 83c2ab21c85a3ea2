import { Pool } from 'pg';
import request from 'supertest';
import { SessionLoader } from '@app/auth';
import {
  lockWaiters,
  type RegisteredUser,
  TcpProxy,
  TestContext,
  until,
  useTestContext,
  wireStatementsDuring,
} from '@app/testing';
import { SessionRepository } from '../../libs/auth/src/persistence/session.repository';

/** Logs the user in once more and returns the new session's cookie (`sessionid=...`). */
async function loginCookie(ctx: TestContext, user: RegisteredUser): Promise<string> {
  const response = await request(ctx.server)
    .post('/v1/auth/login')
    .send({ username: user.username, password: user.password })
    .expect(200);
  const cookie = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('sessionid='));
  return cookie!.split(';')[0];
}

/** Sends the request now (supertest sends on `then`) and answers its response later. */
function sent(test: request.Test): Promise<request.Response> {
  return test.then((response) => response);
}

async function sessionRows(ctx: TestContext): Promise<number> {
  const { rows } = await ctx.db.query<{ count: string }>('select count(*) from session');
  return Number(rows[0].count);
}

describe('requests that need no session', () => {
  const ctx = useTestContext({ listen: true });

  it('answer anonymous monitoring, documentation, console and unknown routes without a cookie or a session row', async () => {
    const rowsBefore = await sessionRows(ctx);
    const readsBefore = ctx.app.get(SessionLoader).readStats().reads;
    const answers = [
      await request(ctx.server).get('/healthcheck').expect(200),
      await request(ctx.server).get('/readyz').expect(200),
      await request(ctx.metricsUrl).get('/metrics').expect(200),
      await request(ctx.server).get('/api/doc/openapi.json').expect(200),
      await request(ctx.server).get('/admin/').expect(200),
      await request(ctx.server).get('/nowhere').expect(404),
    ];
    for (const answer of answers) expect(answer.headers['set-cookie']).toBeUndefined();
    expect(await sessionRows(ctx)).toBe(rowsBefore);
    expect(ctx.app.get(SessionLoader).readStats().reads).toBe(readsBefore);
  });

  it('answer /healthcheck to a logged-in caller while the database is away: its session is not read', async () => {
    const proxy = await TcpProxy.start(ctx.databaseUrl);
    const away = await TestContext.create({ serviceDatabaseUrl: (url) => proxy.url(url) });
    try {
      const user = await away.registerUser();
      await proxy.down();
      await user.agent.get('/healthcheck').expect(200, { healthy: true });
      await user.agent.get('/v1/wallets').expect(503); // a route that needs the session does read it
    } finally {
      await proxy.up();
      await away.close();
      await proxy.close();
    }
  });

  it("do not read the session of a logged-in caller's cookie", async () => {
    const cookie = await loginCookie(ctx, await ctx.registerUser());
    const readsBefore = ctx.app.get(SessionLoader).readStats().reads;
    const health = await request(ctx.server).get('/healthcheck').set('Cookie', cookie).expect(200);
    expect(health.headers['set-cookie']).toBeUndefined();
    expect(ctx.app.get(SessionLoader).readStats().reads).toBe(readsBefore);
    // A route that needs the session reads it.
    await request(ctx.server).get('/v1/wallets').set('Cookie', cookie).expect(200);
    expect(ctx.app.get(SessionLoader).readStats().reads).toBe(readsBefore + 1);
  });
});

describe('session reads are coalesced', () => {
  const ctx = useTestContext({ listen: true });

  it('answers N concurrent authenticated requests with fewer session queries than N, each with its own user', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => ctx.registerUser()));
    const cookies = await Promise.all(users.map((user) => loginCookie(ctx, user)));
    const sessions = ctx.app.get(SessionLoader);
    const before = sessions.readStats();
    // The session table locked: the first query waits in PostgreSQL while every other request asks for its session.
    const locker = await ctx.connectDb();
    await locker.query('begin');
    await locker.query('lock table session in access exclusive mode');
    const answers = cookies.map((cookie) => sent(request(ctx.server).get('/v1/wallets').set('Cookie', cookie)));
    await until(() => sessions.readStats().reads === before.reads + users.length, 'every request asked');
    await locker.query('commit');

    const responses = await Promise.all(answers);
    responses.forEach((response, index) => {
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({ id: users[index].walletId, user_id: users[index].id });
    });
    const queries = sessions.readStats().queries - before.queries;
    expect(queries).toBeLessThan(users.length);
    expect(queries).toBeLessThanOrEqual(2); // the one held by the lock, then one for all the others
  });

  it("answers N concurrent balance reads with fewer wallet queries than N, each with its own wallet's balance", async () => {
    const users = await Promise.all(Array.from({ length: 12 }, (_, n) => ctx.fundedUser(`${n + 1}.00`)));
    const cookies = await Promise.all(users.map((user) => loginCookie(ctx, user)));
    // The wallets table locked: the first wallet query waits in PostgreSQL while the other requests ask for theirs.
    const locker = await ctx.connectDb();
    await locker.query('begin');
    await locker.query('lock table wallets in access exclusive mode');
    let answers: Promise<request.Response>[] = [];
    const sentStatements = await wireStatementsDuring(async () => {
      try {
        answers = cookies.map((cookie) => sent(request(ctx.server).get('/v1/wallets').set('Cookie', cookie)));
        await until(async () => (await lockWaiters(locker)) > 0, 'the first wallet query waits on the lock');
        await new Promise((resolve) => setTimeout(resolve, 200)); // the other requests queue their reads behind it
      } finally {
        await locker.query('commit');
      }
      await Promise.all(answers);
    });

    const responses = await Promise.all(answers);
    responses.forEach((response, index) => {
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({ id: users[index].walletId, balance: `${index + 1}.00` });
    });
    const walletQueries = sentStatements.filter((sent) =>
      /^select .* from wallets where user_id = any/.test(sent.text),
    );
    expect(walletQueries.length).toBeLessThanOrEqual(2); // the one held by the lock, then one for all the others
    // Every request's user asked for exactly once.
    expect(walletQueries.flatMap((query) => query.values[0] as string[]).sort()).toEqual(users.map((u) => u.id).sort());
  });

  it('answers a read asked while a query is in flight by a later query: a logout elsewhere is seen at once', async () => {
    const proxy = await TcpProxy.start(ctx.databaseUrl);
    // This instance reaches PostgreSQL through the proxy, which can keep an answer in flight; the other directly.
    const held = await TestContext.create({ listen: true, serviceDatabaseUrl: (url) => proxy.url(url) });
    try {
      const cookie = await loginCookie(ctx, await ctx.registerUser());
      const sessions = held.app.get(SessionLoader);
      await request(held.server).get('/v1/wallets').set('Cookie', cookie).expect(200);
      const before = sessions.readStats();

      proxy.holdReplies();
      const first = sent(request(held.server).get('/v1/wallets').set('Cookie', cookie));
      // PostgreSQL has run the first read (the session was still there) and its answer waits in the proxy.
      await until(() => sessions.readStats().queries === before.queries + 1 && proxy.heldBytes > 0, 'read run');
      await request(ctx.server).post('/v1/auth/logout').set('Cookie', cookie).expect(200);
      const second = sent(request(held.server).get('/v1/wallets').set('Cookie', cookie));
      await until(() => sessions.readStats().reads === before.reads + 2, 'second read asked');
      proxy.releaseReplies();

      expect((await first).status).toBe(200); // asked before the logout
      expect((await second).status).toBe(401); // asked after it: not answered by the query already in flight
      expect(sessions.readStats().queries).toBe(before.queries + 2);
      await request(held.server).get('/v1/wallets').set('Cookie', cookie).expect(401);
    } finally {
      proxy.releaseReplies();
      await held.close();
      await proxy.close();
    }
  });

  it('ends the session for every later request once logout answered, while reads of it are in flight', async () => {
    const cookie = await loginCookie(ctx, await ctx.registerUser());
    const during = Array.from({ length: 20 }, () => sent(request(ctx.server).get('/v1/wallets').set('Cookie', cookie)));
    await request(ctx.server).post('/v1/auth/logout').set('Cookie', cookie).expect(200);
    const after = await Promise.all(
      Array.from({ length: 20 }, () => request(ctx.server).get('/v1/wallets').set('Cookie', cookie)),
    );
    for (const response of after) expect(response.status).toBe(401);
    for (const response of await Promise.all(during)) expect([200, 401]).toContain(response.status);
  });
});

describe('the session read statement', () => {
  const ctx = useTestContext();

  async function preparedAfterRead(prepared: boolean): Promise<string[]> {
    // One connection: the statements prepared on it are the ones the reads sent.
    const pool = new Pool({ connectionString: ctx.databaseUrl, max: 1 });
    try {
      const sessions = new SessionRepository(pool, prepared);
      const sid = `sid-${prepared}-${Date.now()}`;
      await ctx.db.query(
        `insert into session (sid, sess, expire) values ($1, '{"cookie":{}}', now() + interval '1 hour')`,
        [sid],
      );
      expect(await Promise.all([sessions.findLive(sid), sessions.findLive(sid), sessions.findLive('none')])).toEqual([
        '{"cookie":{}}',
        '{"cookie":{}}',
        undefined,
      ]);
      const { rows } = await pool.query<{ name: string }>('select name from pg_prepared_statements');
      return rows.map((row) => row.name);
    } finally {
      await pool.end();
    }
  }

  it('is a named prepared statement by default', async () => {
    expect(await preparedAfterRead(true)).toEqual(['auth_sessions_live_by_sid']);
  });

  it('is sent unnamed with DB_PREPARED_STATEMENTS=false (a transaction-mode pooler)', async () => {
    expect(await preparedAfterRead(false)).toEqual([]);
  });

  it('answers no expired session, by the same clock as connect-pg-simple', async () => {
    const pool = new Pool({ connectionString: ctx.databaseUrl, max: 1 });
    try {
      await ctx.db.query(
        `insert into session (sid, sess, expire) values ('expired', '{}', now() - interval '2 seconds')`,
      );
      expect(await new SessionRepository(pool, true).findLive('expired')).toBeUndefined();
    } finally {
      await pool.end();
    }
  });

  it('serves sessions in an app started with DB_PREPARED_STATEMENTS=false', async () => {
    const unprepared = await TestContext.create({ env: { DB_PREPARED_STATEMENTS: 'false' } });
    try {
      const user = await unprepared.registerUser();
      await user.agent.get('/v1/wallets').expect(200);
      expect(unprepared.app.get(SessionLoader).readStats().queries).toBeGreaterThan(0);
    } finally {
      await unprepared.close();
    }
  });
});
