import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DATABASE_TIMEOUTS } from '@app/persistence';
import { TcpProxy, TestContext, workerDatabaseUrl } from '@app/testing';

/**
 * Contract part B, "When the database is away": real faults (a connection
 * cut by a proxy, backends terminated by PostgreSQL), no mocks.
 */
describe('when the database is away', () => {
  let proxy: TcpProxy;
  let ctx: TestContext;

  beforeAll(async () => {
    proxy = await TcpProxy.start(await workerDatabaseUrl());
    ctx = await TestContext.create({ serviceDatabaseUrl: (url) => proxy.url(url) });
  });
  afterAll(async () => {
    await proxy?.up();
    await ctx?.close();
    await proxy?.close();
  });

  const unavailable = {
    status: { success: false, errors: [expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', target: '__all__' })] },
    data: null,
  };

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After in bounded time, keeps /healthcheck, and recovers by itself', async () => {
    const alice = await ctx.fundedUser('100.00');
    const bob = await ctx.registerUser();
    const key = randomUUID();
    const sendTransfer = () =>
      alice.agent
        .post('/v1/wallets/transfer')
        .set('Idempotency-Key', key)
        .send({ destination: bob.walletId, amount: '30.00' });

    await proxy.down();
    const attempts = {
      // the session store's pool (express-session, loaded by the auth guard)
      balance: () => alice.agent.get('/v1/wallets'),
      // the ORM's pool, inside a guard (passport-local looks the user up)
      login: () => request(ctx.server).post('/v1/auth/login').send({ username: bob.username, password: bob.password }),
      // a keyed money POST
      transfer: sendTransfer,
    };
    for (const [name, attempt] of Object.entries(attempts)) {
      const started = Date.now();
      const response = await attempt();
      expect({
        name,
        status: response.status,
        retryAfter: response.headers['retry-after'],
        body: response.body,
      }).toEqual({ name, status: 503, retryAfter: '2', body: unavailable });
      expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|terminated|127\.0\.0\.1|Knex/);
      expect(Date.now() - started).toBeLessThan(DATABASE_TIMEOUTS.acquireMs + 2_000);
    }
    await request(ctx.server).get('/healthcheck').expect(200, { healthy: true });

    await proxy.up();
    const posted = await sendTransfer().expect(200);
    const replayed = await sendTransfer().expect(200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(posted.body);
    expect(await ctx.balanceOf(alice)).toBe('70.00');
    await ctx.expectLedgerInvariants();
  });

  it('a transfer whose connection is terminated mid-transaction posts nothing, answers 503, and its retry posts once', async () => {
    const alice = await ctx.fundedUser('100.00');
    const bob = await ctx.registerUser();
    const before = await ctx.snapshot(alice, bob);
    const key = randomUUID();
    const sendTransfer = () =>
      alice.agent
        .post('/v1/wallets/transfer')
        .set('Idempotency-Key', key)
        .send({ destination: bob.walletId, amount: '25.00' });

    // Hold alice's wallet row so that the transfer stops inside its transaction (key claimed, nothing posted yet).
    const holder = await ctx.connectDb();
    await holder.query('begin');
    await holder.query('select 1 from wallets where id = $1 for update', [alice.walletId]);
    const pending = sendTransfer().then((response) => response);
    const waiting = await waitFor(async () => {
      const { rows } = await ctx.db.query<{ pid: number }>(
        `select pid from pg_stat_activity
          where datname = current_database() and application_name = 'wallet-ledger' and wait_event_type = 'Lock'`,
      );
      return rows[0]?.pid;
    });
    await ctx.db.query('select pg_terminate_backend($1)', [waiting]);
    const answer = await pending;
    await holder.query('rollback');

    expect({ status: answer.status, retryAfter: answer.headers['retry-after'], body: answer.body }).toEqual({
      status: 503,
      retryAfter: '2',
      body: unavailable,
    });
    // Nothing of the interrupted transaction remains: no posting, the key not taken.
    expect(await ctx.snapshot(alice, bob)).toEqual(before);
    const { rows } = await ctx.db.query('select 1 from idempotency_keys where key = $1', [key]);
    expect(rows).toEqual([]);

    await sendTransfer().expect(200);
    const replayed = await sendTransfer().expect(200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(await ctx.balanceOf(alice)).toBe('75.00');
    await ctx.expectLedgerInvariants();
  });

  it('recovers without a restart after PostgreSQL terminates every connection of the service', async () => {
    const alice = await ctx.fundedUser('10.00');
    const killed = await ctx.db.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and application_name like 'wallet-ledger%'`,
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    await waitFor(async () => {
      const { rows } = await ctx.db.query(
        `select 1 from pg_stat_activity where datname = current_database() and application_name like 'wallet-ledger%'`,
      );
      return rows.length === 0 || undefined;
    });
    // A pooled connection whose end the client has not noticed yet may still be
    // handed out once: that request answers a clean 503 (never a 500), and the
    // pool replaces the connection. Within a bounded time every request succeeds.
    const answers: number[] = [];
    const recovered = await waitFor(async () => {
      const response = await alice.agent.get('/v1/wallets');
      answers.push(response.status);
      if (response.status === 503) expect(response.headers['retry-after']).toBe('2');
      return response.status === 200 ? response.body.data.balance : undefined;
    }, 5_000);
    expect(recovered).toBe('10.00');
    expect(answers.every((status) => status === 200 || status === 503)).toBe(true);
    await alice.agent.post('/v1/wallets/deposit').send({ amount: '5.00' }).expect(200);
    expect(await ctx.balanceOf(alice)).toBe('15.00');
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
