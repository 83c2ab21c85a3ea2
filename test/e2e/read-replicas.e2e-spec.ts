import { MikroORM } from '@mikro-orm/postgresql';
import request from 'supertest';
import { migrateUnderLock, ormOptions } from '@app/persistence';
import { type RegisteredUser, StreamingPair, TestContext, until } from '@app/testing';
import { migrationsList } from '../../migrations';

/**
 * Reads off the primary, with read-your-writes (README, "Read replicas"),
 * on a primary of this spec's own and a hot standby streaming from it. The
 * lag is made on purpose: the standby's replay is paused. Where a read ran
 * is read from the metrics (`db_routed_reads_total` by target).
 */

type Routed = { primary: number; replica: number };

async function metrics(ctx: TestContext): Promise<string> {
  return (await request(ctx.metricsUrl).get('/metrics').expect(200)).text;
}

async function routed(ctx: TestContext): Promise<Routed> {
  const text = await metrics(ctx);
  const count = (target: string) =>
    Number(new RegExp(`^db_routed_reads_total\\{target="${target}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { primary: count('primary'), replica: count('replica') };
}

/** Where the reads of `work` ran: how many on the primary, how many on the replica. */
async function routedDuring(ctx: TestContext, work: () => Promise<unknown>): Promise<Routed> {
  const before = await routed(ctx);
  await work();
  const after = await routed(ctx);
  return { primary: after.primary - before.primary, replica: after.replica - before.replica };
}

async function replicaUsable(ctx: TestContext): Promise<boolean> {
  return /^db_replica_usable\{replica="[^"]+"\} 1$/m.test(await metrics(ctx));
}

async function historyAmounts(user: RegisteredUser, server = user.agent): Promise<string[]> {
  const response = await server.get('/v1/wallets/operations').expect(200);
  return response.body.data.map((operation: { amount: string }) => operation.amount);
}

async function balanceAt(user: RegisteredUser, at: Date): Promise<string> {
  const response = await user.agent.get('/v1/wallets').query({ at: at.toISOString() }).expect(200);
  return response.body.data.balance;
}

/** The cookies a user's agent holds for the API (session and write position), as a Cookie header. */
function cookiesOf(user: RegisteredUser): string {
  const jar = (
    user.agent as unknown as { jar: { getCookies(access: unknown): Array<{ name: string; value: string }> } }
  ).jar;
  const { CookieAccessInfo } = require('cookiejar') as { CookieAccessInfo: { All: unknown } };
  return jar
    .getCookies(CookieAccessInfo.All)
    .map((cookie) => `${cookie.name}=${cookie.value}`)
    .join('; ');
}

describe('reads on a streaming replica', () => {
  let pair: StreamingPair;
  /** Replicas within 60 s of the primary are used: nothing here waits that long, so the bound never decides. */
  let ctx: TestContext;
  /** A second instance on the same databases: a client's write position follows it there (its cookie). */
  let other: TestContext;

  beforeAll(async () => {
    pair = await StreamingPair.start();
    const orm = await MikroORM.init(ormOptions({ url: pair.primaryUrl, poolSize: 1, debug: false, migrationsList }));
    try {
      await migrateUnderLock(orm, pair.primaryUrl);
    } finally {
      await orm.close();
    }
    const env = { DATABASE_REPLICA_URLS: pair.replicaUrl, REPLICA_MAX_LAG_SECONDS: '60', REPLICA_POLL_MS: '20' };
    ctx = await TestContext.create({ databaseUrl: pair.primaryUrl, env });
    other = await TestContext.create({ databaseUrl: pair.primaryUrl, env });
  }, 60_000);

  afterAll(async () => {
    await other?.close();
    await ctx?.close();
    await pair?.close();
  });

  beforeEach(async () => {
    await pair.resume();
    await pair.caughtUp();
    await until(async () => (await replicaUsable(ctx)) && (await replicaUsable(other)), 'the replica is usable');
  });

  it("shows a user's own deposit at once through a paused replica (the primary serves it), while a user whose last write the replica replayed is served by the replica", async () => {
    const bob = await ctx.fundedUser('10.00');
    const alice = await ctx.fundedUser('20.00');
    await pair.caughtUp();
    await pair.pause();

    const deposited = await alice.agent.post('/v1/wallets/deposit').send({ amount: '5.00' }).expect(200);
    const at = new Date(Date.now() + 60_000);
    expect(
      await routedDuring(ctx, async () => {
        expect(await historyAmounts(alice)).toEqual(['5.00', '20.00']);
        expect(await balanceAt(alice, at)).toBe('25.00');
      }),
    ).toEqual({ primary: 2, replica: 0 });
    // The replica has not replayed it: read there, the deposit would be missing.
    expect(
      await pair.rowsOnReplica('select 1 from operations where transfer_id = $1', [deposited.body.data.transfer_id]),
    ).toEqual([]);

    // Bob's last write is older than what the paused replica replayed: his reads leave the primary.
    expect(
      await routedDuring(ctx, async () => {
        expect(await historyAmounts(bob)).toEqual(['10.00']);
        expect(await balanceAt(bob, at)).toBe('10.00');
      }),
    ).toEqual({ primary: 0, replica: 2 });

    // Once replayed, alice's reads go to the replica too.
    await pair.resume();
    await pair.caughtUp();
    await until(async () => {
      const during = await routedDuring(ctx, () => historyAmounts(alice));
      return during.replica === 1;
    }, "alice's reads reach the replica once it replayed her deposit");
    expect(await historyAmounts(alice)).toEqual(['5.00', '20.00']);
  });

  it("follows the client to another instance: its write position travels with it (a cookie), not in the instance's memory", async () => {
    const carol = await ctx.fundedUser('7.00');
    await pair.caughtUp();
    await pair.pause();
    await carol.agent.post('/v1/wallets/transfer').send({ destination: carol.walletId, amount: '1.00' }).expect(422);
    await carol.agent.post('/v1/wallets/deposit').send({ amount: '3.00' }).expect(200);

    const cookies = cookiesOf(carol);
    expect(cookies).toMatch(/wal_position=/);
    expect(
      await routedDuring(other, async () => {
        const response = await request(other.server).get('/v1/wallets/operations').set('Cookie', cookies).expect(200);
        expect(response.body.data.map((operation: { amount: string }) => operation.amount)).toEqual(['3.00', '7.00']);
      }),
    ).toEqual({ primary: 1, replica: 0 });
  });

  it('answers admin reads from the replica, and the operator sees their own freeze at once', async () => {
    const admin = await ctx.registerUser();
    await ctx.promote(admin);
    const dave = await ctx.fundedUser('4.00');
    await pair.caughtUp();
    await pair.pause();

    const frozen = await routedDuring(ctx, async () => {
      const response = await admin.agent.post(`/v1/admin/wallets/${dave.walletId}/freeze`).send({}).expect(200);
      expect(response.body.data.frozen).toBe(true);
      const wallet = await admin.agent.get(`/v1/admin/wallets/${dave.walletId}`).expect(200);
      expect(wallet.body.data.frozen).toBe(true);
    });
    expect(frozen).toEqual({ primary: 2, replica: 0 });

    // Another operator (no write of theirs) reads the same wallet from the paused replica: still unfrozen there.
    const second = await ctx.registerUser();
    await ctx.promote(second);
    await pair.resume();
    await pair.caughtUp();
    await pair.pause();
    await admin.agent.post(`/v1/admin/wallets/${dave.walletId}/unfreeze`).send({}).expect(200);
    let frozenThere: boolean | undefined;
    const seen = await routedDuring(ctx, async () => {
      const wallet = await second.agent.get(`/v1/admin/wallets/${dave.walletId}`).expect(200);
      frozenThere = wallet.body.data.frozen;
      await second.agent.get('/v1/admin/actions').expect(200);
    });
    expect(seen).toEqual({ primary: 0, replica: 2 });
    expect(frozenThere).toBe(true);
  });

  it('scans the ledger audit on the replica while its lock stays on the primary (held there, an audit answers 409)', async () => {
    const admin = await ctx.registerUser();
    await ctx.promote(admin);
    await ctx.fundedUser('3.00');
    await pair.caughtUp();

    const scanned = await routedDuring(ctx, async () => {
      const report = await admin.agent.get('/v1/admin/ledger/audit').expect(200);
      expect(report.body.data).toMatchObject({ balanced: true, chain_ok: true });
    });
    expect(scanned).toEqual({ primary: 0, replica: 1 });

    // The lock is the primary's: while a session there holds it ("LEDG", 1), an audit answers 409, replica or not.
    const holder = await ctx.connectDb();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock($1, $2)', [0x4c454447, 1]);
      const refused = await admin.agent.get('/v1/admin/ledger/audit').expect(409);
      expect(refused.body.status.errors[0].reason).toBe('AUDIT_IN_PROGRESS');
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  });

  it('serves every read from the primary while the replica is down, and uses it again once it is back', async () => {
    const erin = await ctx.fundedUser('2.00');
    await pair.caughtUp();
    await pair.stopReplica();
    try {
      expect(
        await routedDuring(ctx, async () => {
          expect(await historyAmounts(erin)).toEqual(['2.00']);
          expect(await balanceAt(erin, new Date(Date.now() + 60_000))).toBe('2.00');
        }),
      ).toEqual({ primary: 2, replica: 0 });
      await until(async () => !(await replicaUsable(ctx)), 'the stopped replica is marked unusable');
    } finally {
      await pair.startReplica();
    }
    await until(() => replicaUsable(ctx), 'the replica is usable again');
    expect(await routedDuring(ctx, () => historyAmounts(erin))).toEqual({ primary: 0, replica: 1 });
  });

  it('skips a paused replica for everyone once it lags past REPLICA_MAX_LAG_SECONDS', async () => {
    const bounded = await TestContext.create({
      databaseUrl: pair.primaryUrl,
      env: { DATABASE_REPLICA_URLS: pair.replicaUrl, REPLICA_MAX_LAG_SECONDS: '0.5', REPLICA_POLL_MS: '20' },
    });
    try {
      const frank = await bounded.fundedUser('6.00');
      await pair.caughtUp();
      await until(() => replicaUsable(bounded), 'the replica is usable');
      expect(await routedDuring(bounded, () => historyAmounts(frank))).toEqual({ primary: 0, replica: 1 });

      await pair.pause();
      // Someone else writes: the primary moves on, the paused replica stays behind, its lag grows.
      await bounded.fundedUser('1.00');
      await until(async () => !(await replicaUsable(bounded)), 'the paused replica lags past the bound');
      const lag = /^db_replica_lag_seconds\{replica="[^"]+"\} ([0-9.e+-]+)$/m.exec(await metrics(bounded));
      expect(Number(lag?.[1])).toBeGreaterThan(0.5);
      // Frank wrote nothing since the replica replayed his deposit, and still his reads go to the primary.
      expect(await routedDuring(bounded, () => historyAmounts(frank))).toEqual({ primary: 1, replica: 0 });
    } finally {
      await bounded.close();
    }
  });
});
