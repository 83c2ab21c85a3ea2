import type { Client } from 'pg';
import request from 'supertest';
import { FUNDING_WALLET_ID } from '@app/ledger';
import {
  useTestContext,
  balanceOf,
  type RegisteredUser,
  uniqueUsername,
  cents,
  money,
  seededRandom,
} from '@app/testing';

/**
 * Contract part B, "Concurrency": many requests at the same moment never
 * overdraw a wallet, never lose or duplicate an operation, and never answer
 * 5xx. Requests go out together (Promise.all) through one listening server.
 */
describe('concurrent money movements (contract part B)', () => {
  const ctx = useTestContext({ listen: true });

  /** How many responses had each status, e.g. { 200: 10, 400: 40 }. */
  function statusCounts(responses: request.Response[]): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
    return counts;
  }

  /** The wallet's operations as stored, in sequence order (texts, as PostgreSQL prints them). */
  async function storedOperations(walletId: string) {
    const { rows } = await ctx.db.query<{ amount: string; sequence: string; balance_after: string }>(
      `select amount::text, sequence::text, balance_after::text from operations o where wallet_id = $1 order by o.sequence`,
      [walletId],
    );
    return rows;
  }

  /** Backends of this database waiting for a lock on the users table. */
  async function waitersOnUsers(client: Client): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_locks l
         where not l.granted and l.relation = 'users'::regclass and l.pid <> pg_backend_pid()`,
    );
    return rows[0].n;
  }

  it('lets exactly 10 of 50 parallel 1.00 transfers out of a 10.00 wallet through and refuses the rest with 400', async () => {
    const [sender, ...receivers] = await Promise.all([
      ctx.fundedUser('10.00'),
      ctx.registerUser(),
      ctx.registerUser(),
      ctx.registerUser(),
    ]);

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        sender.agent
          .post('/v1/wallets/transfer')
          .send({ destination: receivers[index % receivers.length].walletId, amount: '1.00' }),
      ),
    );

    expect(statusCounts(responses)).toEqual({ 200: 10, 400: 40 });
    for (const response of responses.filter((r) => r.status === 400)) {
      expect(response.body).toEqual({
        status: {
          success: false,
          errors: [
            { code: 'BAD_REQUEST', message: 'Insufficient funds.', target: '__all__', reason: 'INSUFFICIENT_FUNDS' },
          ],
        },
        data: null,
      });
    }
    const succeeded = responses.filter((r) => r.status === 200).map((r) => r.body.data);
    expect(new Set(succeeded.map((op) => op.transfer_id)).size).toBe(10);
    expect(succeeded.every((op) => op.amount === '-1.00' && op.wallet_id === sender.walletId)).toBe(true);

    expect(await balanceOf(sender)).toBe('0.00');
    // Never below zero on the way: the deposit, then 9.00, 8.00, ... 0.00, one sequence number each.
    const senderOps = await storedOperations(sender.walletId);
    expect(senderOps.map((op) => [op.sequence, op.amount, op.balance_after])).toEqual([
      ['1', '10.00', '10.00'],
      ...Array.from({ length: 10 }, (_, i) => [String(i + 2), '-1.00', money(BigInt(900 - i * 100))]),
    ]);

    // Each receiver got exactly what the successful requests sent it.
    for (const receiver of receivers) {
      const expected = succeeded.filter((op) => op.destination_wallet_id === receiver.walletId).length;
      expect(await balanceOf(receiver)).toBe(money(BigInt(expected * 100)));
      const ops = await storedOperations(receiver.walletId);
      expect(ops.map((op) => op.amount)).toEqual(Array(expected).fill('1.00'));
      expect(ops.map((op) => op.sequence)).toEqual(ops.map((_, i) => String(i + 1)));
    }
    await ctx.expectLedgerInvariants();
  });

  it('completes 30 A→B and 30 B→A transfers sent at the same moment, without a deadlock or a 5xx', async () => {
    const [a, b] = await Promise.all([ctx.fundedUser('100.00'), ctx.fundedUser('100.00')]);

    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        index % 2 === 0
          ? a.agent.post('/v1/wallets/transfer').send({ destination: b.walletId, amount: '1.01' })
          : b.agent.post('/v1/wallets/transfer').send({ destination: a.walletId, amount: '2.03' }),
      ),
    );

    expect(statusCounts(responses)).toEqual({ 200: 60 });
    // 100.00 − 30 × 1.01 + 30 × 2.03, and the mirror image.
    expect(await balanceOf(a)).toBe('130.60');
    expect(await balanceOf(b)).toBe('69.40');
    for (const [user, balance] of [
      [a, '130.60'],
      [b, '69.40'],
    ] as const) {
      const ops = await storedOperations(user.walletId);
      expect(ops).toHaveLength(61);
      expect(ops.map((op) => op.sequence)).toEqual(ops.map((_, i) => String(i + 1)));
      expect(ops.at(-1)?.balance_after).toBe(balance);
      expect(ops.every((op) => cents(op.balance_after) >= 0n)).toBe(true);
    }
    await ctx.expectLedgerInvariants();
  });

  it('posts every one of many parallel deposits, into many wallets and into one wallet, exactly once', async () => {
    const many = await Promise.all(Array.from({ length: 10 }, () => ctx.registerUser()));
    const one = await ctx.registerUser();
    const depositsMany = many.flatMap((user, u) =>
      Array.from({ length: 4 }, (_, k) => ({ user, amount: BigInt(1 + u * 1_000 + k * 37) })),
    );
    const depositsOne = Array.from({ length: 40 }, (_, k) => ({ user: one, amount: BigInt(5 + k * 113) }));
    const all = [...depositsMany, ...depositsOne];

    const responses = await Promise.all(
      all.map(({ user, amount }) => user.agent.post('/v1/wallets/deposit').send({ amount: money(amount) })),
    );

    expect(statusCounts(responses)).toEqual({ 200: all.length });
    responses.forEach((response, index) => expect(response.body.data.amount).toBe(money(all[index].amount)));

    for (const user of [...many, one]) {
      const expected = all.filter((d) => d.user === user).reduce((sum, d) => sum + d.amount, 0n);
      expect(await balanceOf(user)).toBe(money(expected));
      const ops = await storedOperations(user.walletId);
      expect(ops.map((op) => op.sequence)).toEqual(ops.map((_, i) => String(i + 1)));
      expect(ops.map((op) => cents(op.amount)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(
        all
          .filter((d) => d.user === user)
          .map((d) => d.amount)
          .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
      );
    }

    // The funding wallet paid exactly these deposits, once each.
    const transferIds = responses.map((response) => response.body.data.transfer_id);
    expect(new Set(transferIds).size).toBe(all.length);
    const { rows } = await ctx.db.query<{ legs: string; total: string }>(
      `select count(*)::text as legs, coalesce(sum(amount), 0)::text as total
         from operations where wallet_id = $1 and transfer_id = any($2::uuid[])`,
      [FUNDING_WALLET_ID, transferIds],
    );
    const total = all.reduce((sum, d) => sum + d.amount, 0n);
    expect(rows[0]).toEqual({ legs: String(all.length), total: money(-total) });
    await ctx.expectLedgerInvariants();
  });

  it('conserves money through a seeded storm of parallel transfers in every direction and deposits', async () => {
    const { next: random, between } = seededRandom(4242);
    const users = await Promise.all(Array.from({ length: 6 }, () => ctx.fundedUser('50.00')));
    type Move =
      | { kind: 'deposit'; to: RegisteredUser; amount: bigint }
      | { kind: 'transfer'; from: RegisteredUser; to: RegisteredUser; amount: bigint };
    const moves: Move[] = Array.from({ length: 90 }, (): Move => {
      const to = users[between(0, users.length - 1)];
      if (random() < 0.25) return { kind: 'deposit', to, amount: BigInt(between(1, 2_000)) };
      const others = users.filter((user) => user !== to);
      return { kind: 'transfer', from: others[between(0, others.length - 1)], to, amount: BigInt(between(1, 3_000)) };
    });

    const responses = await Promise.all(
      moves.map((move) =>
        move.kind === 'deposit'
          ? move.to.agent.post('/v1/wallets/deposit').send({ amount: money(move.amount) })
          : move.from.agent
              .post('/v1/wallets/transfer')
              .send({ destination: move.to.walletId, amount: money(move.amount) }),
      ),
    );

    // Only two outcomes: posted, or refused for lack of funds (never for a deposit).
    responses.forEach((response, index) => {
      const move = moves[index];
      if (response.status === 400 && move.kind === 'transfer') {
        expect(response.body.status.errors).toEqual([
          { code: 'BAD_REQUEST', message: 'Insufficient funds.', target: '__all__', reason: 'INSUFFICIENT_FUNDS' },
        ]);
      } else {
        expect({ index, kind: move.kind, status: response.status }).toEqual({ index, kind: move.kind, status: 200 });
      }
    });
    const counts = statusCounts(responses);
    expect(counts[200]).toBeGreaterThan(40);
    expect(counts[400]).toBeGreaterThan(0);

    // Every wallet ends at 50.00 plus exactly what the successful requests moved in and out of it.
    const expected = new Map(users.map((user) => [user, 5_000n]));
    const postedCount = new Map(users.map((user) => [user, 1]));
    moves.forEach((move, index) => {
      if (responses[index].status !== 200) return;
      expected.set(move.to, expected.get(move.to)! + move.amount);
      postedCount.set(move.to, postedCount.get(move.to)! + 1);
      if (move.kind === 'transfer') {
        expected.set(move.from, expected.get(move.from)! - move.amount);
        postedCount.set(move.from, postedCount.get(move.from)! + 1);
      }
    });
    for (const user of users) {
      expect(await balanceOf(user)).toBe(money(expected.get(user)!));
      const ops = await storedOperations(user.walletId);
      expect(ops).toHaveLength(postedCount.get(user)!);
      expect(ops.map((op) => op.sequence)).toEqual(ops.map((_, i) => String(i + 1)));
    }
    await ctx.expectLedgerInvariants();
  });

  describe('on two API instances sharing the database', () => {
    const second = useTestContext({ listen: true });

    /** The same user, logged in on the second instance with an agent of its own. */
    async function onSecond(user: RegisteredUser) {
      const agent = request.agent(second.server);
      await agent.post('/v1/auth/login').send({ username: user.username, password: user.password }).expect(200);
      return agent;
    }

    it('never overdraws a wallet whose 40 parallel transfers are split over both instances', async () => {
      const [sender, receiver] = await Promise.all([ctx.fundedUser('10.00'), ctx.registerUser()]);
      const senderOnSecond = await onSecond(sender);
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          (index % 2 === 0 ? sender.agent : senderOnSecond)
            .post('/v1/wallets/transfer')
            .send({ destination: receiver.walletId, amount: '2.50' }),
        ),
      );
      expect(statusCounts(responses)).toEqual({ 200: 4, 400: 36 });
      expect(await balanceOf(sender)).toBe('0.00');
      expect(await balanceOf(receiver)).toBe('10.00');
      expect((await storedOperations(receiver.walletId)).map((op) => op.amount)).toEqual([
        '2.50',
        '2.50',
        '2.50',
        '2.50',
      ]);
      await ctx.expectLedgerInvariants();
    });

    it('completes opposite transfers sent to different instances at the same moment', async () => {
      const [a, b] = await Promise.all([ctx.fundedUser('20.00'), ctx.fundedUser('20.00')]);
      const bOnSecond = await onSecond(b);
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          index % 2 === 0
            ? a.agent.post('/v1/wallets/transfer').send({ destination: b.walletId, amount: '0.75' })
            : bOnSecond.post('/v1/wallets/transfer').send({ destination: a.walletId, amount: '0.50' }),
        ),
      );
      expect(statusCounts(responses)).toEqual({ 200: 40 });
      // 20.00 − 20 × 0.75 + 20 × 0.50, and the mirror image.
      expect(await balanceOf(a)).toBe('15.00');
      expect(await balanceOf(b)).toBe('25.00');
      await ctx.expectLedgerInvariants();
    });
  });

  it('registers a username sent 8 times at once exactly once; the others get 400 on username', async () => {
    const username = uniqueUsername('race');
    const agents = Array.from({ length: 8 }, () => request.agent(ctx.server));
    // Force the worst interleaving: a SHARE lock on users lets every registration read "name is free"
    // but holds back every INSERT until all 8 are waiting, so the unique index has to decide.
    // (If a registration never waits there, the lock is released after a while and the race runs as it comes.)
    const blocker = await ctx.connectDb();
    let pending: Promise<request.Response[]>;
    try {
      await blocker.query('begin');
      await blocker.query('lock table users in share mode');
      pending = Promise.all(
        agents.map((agent) =>
          agent.post('/v1/auth/register').send({ username, password: 'pw-race-long', passwordConfirm: 'pw-race-long' }),
        ),
      );
      for (let poll = 0; poll < 100 && (await waitersOnUsers(blocker)) < agents.length; poll++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await blocker.query('commit');
      await blocker.end();
    }
    const responses = await pending;

    expect(statusCounts(responses)).toEqual({ 200: 1, 400: 7 });
    for (const response of responses.filter((r) => r.status === 400)) {
      expect(response.body).toEqual({
        status: {
          success: false,
          errors: [
            {
              code: 'BAD_REQUEST',
              message: 'This username already taken.',
              target: 'username',
              reason: 'USERNAME_TAKEN',
            },
          ],
        },
        data: null,
      });
    }
    // One user, one wallet, and the winner is logged in to it.
    const { rows } = await ctx.db.query<{ user_id: string; wallet_id: string | null }>(
      `select u.id as user_id, w.id as wallet_id from users u left join wallets w on w.user_id = u.id where u.username = $1`,
      [username],
    );
    expect(rows).toHaveLength(1);
    const winner = responses.findIndex((r) => r.status === 200);
    expect(responses[winner].body.data).toEqual({ id: rows[0].user_id, username });
    const wallet = await agents[winner].get('/v1/wallets').expect(200);
    expect(wallet.body.data).toEqual({
      id: rows[0].wallet_id,
      user_id: rows[0].user_id,
      balance: '0.00',
      frozen: false,
      available: '0.00',
    });
  });
});
