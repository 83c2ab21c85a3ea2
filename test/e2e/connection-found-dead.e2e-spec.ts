import { randomUUID } from 'node:crypto';
import { TcpProxy, TestContext, until, workerDatabaseUrl } from '@app/testing';

/**
 * A pooled connection whose server went away while it was idle (a failover,
 * a restart, a terminated backend) is found out only when it is used. The
 * unit of work opens its transaction again, once, when it could not be
 * opened (nothing of the use case was sent), and never once the use case
 * started. Real connections cut by a proxy and terminated by PostgreSQL.
 * (A file of its own: the app's log lines are captured, and Nest's loggers
 * follow the last app booted in a file.)
 */

const unavailable = {
  status: { success: false, errors: [expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', target: '__all__' })] },
  data: null,
};

describe('a pooled connection found dead on use', () => {
  let proxy: TcpProxy;
  let ctx: TestContext;

  beforeAll(async () => {
    proxy = await TcpProxy.start(await workerDatabaseUrl());
    // One ORM connection: the one cut below is the one the next transaction gets.
    ctx = await TestContext.create({
      serviceDatabaseUrl: (url) => proxy.url(url),
      env: { DB_POOL_SIZE: '1' },
      captureLogs: true,
    });
  });
  afterAll(async () => {
    await ctx?.close();
    await proxy?.close();
  });

  it('opens the transaction again when nothing was sent: the keyed deposit posts once, without a 503', async () => {
    const alice = await ctx.fundedUser('10.00');
    await alice.agent.get('/v1/wallets').expect(200); // the session store's pool has a connection too

    // The server side of every open connection goes; the service hears of it only when it next sends.
    expect(proxy.cutSilently()).toBeGreaterThanOrEqual(2);
    const key = randomUUID();
    const started = Date.now();
    const posted = await alice.agent.post('/v1/wallets/deposit').set('Idempotency-Key', key).send({ amount: '5.00' });
    expect({ status: posted.status, body: posted.body.status }).toEqual({
      status: 200,
      body: { success: true, errors: [] },
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await ctx.balanceOf(alice)).toBe('15.00');

    // It was the retry of an unopened transaction that saved it, and it said so.
    const retries = () => ctx.logLines().filter((line) => String(line.msg ?? '').startsWith('transaction not opened'));
    await until(() => retries().length > 0, 'the retry was logged'); // the log file is written asynchronously
    const retried = retries();
    expect(retried[0].level).toBe('warn');

    const replayed = await alice.agent.post('/v1/wallets/deposit').set('Idempotency-Key', key).send({ amount: '5.00' });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(await ctx.balanceOf(alice)).toBe('15.00');
    await ctx.expectLedgerInvariants();
  });

  it('never opens a transaction again once it was used: a connection lost mid-transaction answers 503', async () => {
    const alice = await ctx.fundedUser('10.00');
    const bob = await ctx.registerUser();
    const before = await ctx.snapshot(alice, bob);
    const holder = await ctx.connectDb();
    await holder.query('begin');
    await holder.query('select 1 from wallets where id = $1 for update', [alice.walletId]);
    const key = randomUUID();
    const pending = alice.agent
      .post('/v1/wallets/transfer')
      .set('Idempotency-Key', key)
      .send({ destination: bob.walletId, amount: '4.00' })
      .then((response) => response);
    // The transfer's transaction has sent its statements (its key claimed) and waits for alice's row.
    let waiting = 0;
    await until(async () => {
      const { rows } = await ctx.db.query<{ pid: number }>(
        `select pid from pg_stat_activity
          where datname = current_database() and application_name = 'wallet-ledger' and wait_event_type = 'Lock'`,
      );
      waiting = rows[0]?.pid ?? 0;
      return waiting > 0;
    }, 'the transfer waited for the lock');
    const linesBefore = ctx.logLines().length;
    await ctx.db.query('select pg_terminate_backend($1)', [waiting]);
    const answer = await pending;
    await holder.query('rollback');
    expect({ status: answer.status, retryAfter: answer.headers['retry-after'], body: answer.body }).toEqual({
      status: 503,
      retryAfter: '2',
      body: unavailable,
    });
    expect(
      ctx
        .logLines()
        .slice(linesBefore)
        .filter((line) => String(line.msg ?? '').startsWith('transaction not opened')),
    ).toEqual([]);
    expect(await ctx.snapshot(alice, bob)).toEqual(before);
    await alice.agent
      .post('/v1/wallets/transfer')
      .set('Idempotency-Key', key)
      .send({ destination: bob.walletId, amount: '4.00' })
      .expect(200);
    expect(await ctx.balanceOf(alice)).toBe('6.00');
    await ctx.expectLedgerInvariants();
  });
});
