import request from 'supertest';
import { useTestContext, deposit, type OperationJson, operationsOf, type RegisteredUser } from '@app/testing';

const FUNDING_WALLET_ID = '00000000-0000-4000-8000-000000000001';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MONEY = /^-?[0-9]+\.[0-9]{2}$/;
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,}Z$/;

const unauthorized = {
  status: {
    success: false,
    errors: [
      {
        code: 'UNAUTHORIZED',
        message: 'Authentication required.',
        target: '__all__',
        reason: 'AUTHENTICATION_REQUIRED',
      },
    ],
  },
  data: null,
};
const walletMissing = {
  status: {
    success: false,
    errors: [{ code: 'NOT_FOUND', message: 'Wallet does not exist.', target: '__all__', reason: 'WALLET_NOT_FOUND' }],
  },
  data: null,
};

function invalidQuery(target: string, message: string) {
  return {
    status: {
      success: false,
      errors: [{ code: 'UNPROCESSABLE_ENTITY', message, target, reason: 'REQUEST_VALIDATION_FAILED' }],
    },
    data: null,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('wallets (contract part A)', () => {
  const ctx = useTestContext();

  /** Deposits the amounts one by one, each at a later millisecond than the one before. */
  async function depositsAtDistinctMoments(user: RegisteredUser, amounts: string[]): Promise<OperationJson[]> {
    const operations: OperationJson[] = [];
    for (const amount of amounts) {
      if (operations.length > 0) await sleep(5);
      operations.push(await deposit(user, amount));
    }
    return operations;
  }

  describe('GET /v1/wallets', () => {
    it('answers 401 "Authentication required." without a session', async () => {
      await request(ctx.server).get('/v1/wallets').expect(401, unauthorized);
    });

    it('answers 401 for a forged sessionid cookie', async () => {
      await request(ctx.server)
        .get('/v1/wallets')
        .set('Cookie', 'sessionid=s%3Aforged.signature')
        .expect(401, unauthorized);
    });

    it("returns exactly {id, user_id, balance, available, frozen} of the caller's wallet, in snake_case", async () => {
      const user = await ctx.registerUser();
      const response = await user.agent.get('/v1/wallets').expect(200);
      expect(response.body).toEqual({
        status: { success: true, errors: [] },
        data: { id: user.walletId, user_id: user.id, balance: '0.00', available: '0.00', frozen: false },
      });
      expect(Object.keys(response.body.data).sort()).toEqual(['available', 'balance', 'frozen', 'id', 'user_id']);
      expect(response.body.data.id).toMatch(UUID);
    });

    it('returns the balance as a two-place decimal string', async () => {
      const user = await ctx.fundedUser('1000.4');
      const response = await user.agent.get('/v1/wallets').expect(200);
      expect(response.body.data.balance).toBe('1000.40');
    });

    it('answers each user with its own wallet', async () => {
      const alice = await ctx.fundedUser('5.00');
      const bob = await ctx.registerUser();
      expect(alice.walletId).not.toEqual(bob.walletId);
      expect((await bob.agent.get('/v1/wallets').expect(200)).body.data).toEqual({
        id: bob.walletId,
        user_id: bob.id,
        balance: '0.00',
        available: '0.00',
        frozen: false,
      });
    });

    it('tells the owner their wallet is frozen (also with `at`), and that it is not once unfrozen', async () => {
      const admin = await ctx.adminUser();
      const user = await ctx.fundedUser('3.00');
      await admin.agent.post(`/v1/admin/wallets/${user.walletId}/freeze`).send({ reason: 'review' }).expect(200);
      expect((await user.agent.get('/v1/wallets').expect(200)).body.data).toEqual({
        id: user.walletId,
        user_id: user.id,
        balance: '3.00',
        available: '3.00',
        frozen: true,
      });
      const at = new Date(Date.now() + 60_000).toISOString();
      expect((await user.agent.get('/v1/wallets').query({ at }).expect(200)).body.data).toMatchObject({ frozen: true });
      await admin.agent.post(`/v1/admin/wallets/${user.walletId}/unfreeze`).send({}).expect(200);
      expect((await user.agent.get('/v1/wallets').expect(200)).body.data.frozen).toBe(false);
    });

    it('answers 404 "Wallet does not exist." when the caller has no wallet', async () => {
      const user = await ctx.userWithoutWallet();
      await user.agent.get('/v1/wallets').expect(404, walletMissing);
    });

    it('answers 409 CONFLICT, never a 500, when its wallet read waits past lock_timeout on a table another transaction locked', async () => {
      const user = await ctx.registerUser();
      const locker = await ctx.connectDb();
      await locker.query('begin');
      await locker.query('lock table wallets in access exclusive mode'); // as a migration's ALTER TABLE would
      try {
        const response = await user.agent.get('/v1/wallets');
        expect(response.status).toBe(409);
        expect(response.body.status.errors).toEqual([
          expect.objectContaining({ code: 'CONFLICT', target: '__all__', reason: 'CONCURRENT_CONFLICT' }),
        ]);
      } finally {
        await locker.query('rollback');
        await locker.end();
      }
      await user.agent.get('/v1/wallets').expect(200);
    });
  });

  describe('GET /v1/wallets/operations', () => {
    it('answers 401 without a session', async () => {
      await request(ctx.server).get('/v1/wallets/operations').expect(401, unauthorized);
    });

    it('answers 404 "Wallet does not exist." when the caller has no wallet', async () => {
      const user = await ctx.userWithoutWallet();
      await user.agent.get('/v1/wallets/operations').expect(404, walletMissing);
    });

    it('returns an empty list for a new wallet', async () => {
      const user = await ctx.registerUser();
      const response = await user.agent.get('/v1/wallets/operations').expect(200);
      expect(response.body).toEqual({
        status: { success: true, errors: [] },
        data: expect.any(Array),
        meta: { next_cursor: null },
      });
      expect(response.body.data).toEqual([]);
    });

    it('returns operations with exactly the contract fields, snake_case, amount as a string, ISO UTC timestamp', async () => {
      const user = await ctx.registerUser();
      const credit = await deposit(user, '12.5');
      const [operation] = await operationsOf(user);
      expect(Object.keys(operation).sort()).toEqual(
        [
          'amount',
          'balance_after',
          'sequence',
          'reverses',
          'reversed_amount',
          'destination_wallet_id',
          'id',
          'source_wallet_id',
          'timestamp',
          'transfer_id',
          'type',
          'wallet_id',
        ].sort(),
      );
      expect(operation).toEqual({
        id: credit.id,
        transfer_id: credit.transfer_id,
        wallet_id: user.walletId,
        source_wallet_id: FUNDING_WALLET_ID,
        destination_wallet_id: user.walletId,
        type: 'DEPOSIT',
        amount: '12.50',
        timestamp: credit.timestamp,
        sequence: 1,
        balance_after: '12.50',
        reverses: null,
        reversed_amount: null,
      });
      expect(operation.id).toMatch(UUID);
      expect(operation.transfer_id).toMatch(UUID);
      expect(operation.transfer_id).not.toEqual(operation.id);
      expect(operation.amount).toMatch(MONEY);
      expect(operation.timestamp).toMatch(ISO_UTC_MS);
      expect(new Date(operation.timestamp).toISOString()).toBe(operation.timestamp);
    });

    it('lists newest first by default', async () => {
      const user = await ctx.registerUser();
      const [first, second, third] = await depositsAtDistinctMoments(user, ['1.00', '2.00', '3.00']);
      expect((await operationsOf(user)).map((op) => op.id)).toEqual([third.id, second.id, first.id]);
      expect((await operationsOf(user, { order: 'desc' })).map((op) => op.id)).toEqual([third.id, second.id, first.id]);
    });

    it('lists oldest first with order=asc', async () => {
      const user = await ctx.registerUser();
      const [first, second, third] = await depositsAtDistinctMoments(user, ['1.00', '2.00', '3.00']);
      expect((await operationsOf(user, { order: 'asc' })).map((op) => op.id)).toEqual([first.id, second.id, third.id]);
    });

    it('orders operations of one millisecond consistently in both directions', async () => {
      const user = await ctx.registerUser();
      // Sent at once: several may share a timestamp; the order must still be total and reversible.
      await Promise.all(['1.00', '2.00', '3.00', '4.00', '5.00'].map((amount) => deposit(user, amount)));
      const asc = (await operationsOf(user, { order: 'asc' })).map((op) => op.id);
      const desc = (await operationsOf(user, { order: 'desc' })).map((op) => op.id);
      expect(asc).toHaveLength(5);
      expect(desc).toEqual([...asc].reverse());
    });

    it("lists only the caller's own operations", async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.fundedUser('20.00');
      const aliceOps = await operationsOf(alice);
      expect(aliceOps).toHaveLength(1);
      expect(aliceOps[0]).toMatchObject({ wallet_id: alice.walletId, amount: '10.00' });
      expect((await operationsOf(bob)).map((op) => op.wallet_id)).toEqual([bob.walletId]);
    });

    it('returns at most 100 operations by default, the newest ones', async () => {
      const user = await ctx.registerUser();
      for (let i = 1; i <= 101; i += 1) await deposit(user, `${i}.00`);
      const page = await operationsOf(user);
      expect(page).toHaveLength(100);
      expect(page[0].amount).toBe('101.00');
      expect(page[99].amount).toBe('2.00');
      const all = await operationsOf(user, { limit: 1000 });
      expect(all).toHaveLength(101);
      expect(all[100].amount).toBe('1.00');
    });

    it('honours limit=1 and limit with order=asc', async () => {
      const user = await ctx.registerUser();
      const [first, second, third] = await depositsAtDistinctMoments(user, ['1.00', '2.00', '3.00']);
      expect((await operationsOf(user, { limit: 1 })).map((op) => op.id)).toEqual([third.id]);
      expect((await operationsOf(user, { limit: 2, order: 'asc' })).map((op) => op.id)).toEqual([first.id, second.id]);
    });

    it.each<[string, string]>([
      ['0', 'Must be greater than or equal to 1 and less than or equal to 1000.'],
      ['1001', 'Must be greater than or equal to 1 and less than or equal to 1000.'],
      ['-1', 'Must be greater than or equal to 1 and less than or equal to 1000.'],
      ['abc', 'Not a valid integer.'],
      ['1.5', 'Not a valid integer.'],
      ['1e2', 'Not a valid integer.'],
    ])('rejects limit=%p with 422 target limit', async (limit, message) => {
      const user = await ctx.registerUser();
      await user.agent.get('/v1/wallets/operations').query({ limit }).expect(422, invalidQuery('limit', message));
    });

    it('accepts limit=1000, the largest limit', async () => {
      const user = await ctx.fundedUser('1.00');
      expect(await operationsOf(user, { limit: 1000 })).toHaveLength(1);
    });

    it.each(['bad', 'ASC', 'ascending', ''])('rejects order=%p with 422 target order', async (order) => {
      const user = await ctx.registerUser();
      await user.agent
        .get('/v1/wallets/operations')
        .query({ order })
        .expect(422, invalidQuery('order', 'Must be one of: asc, desc.'));
    });

    it('reports every bad query value at once, one error per field', async () => {
      const user = await ctx.registerUser();
      const response = await user.agent
        .get('/v1/wallets/operations')
        .query({ timestamp: 'nope', order: 'sideways', limit: '0' })
        .expect(422);
      expect(response.body.status.errors).toEqual(
        expect.arrayContaining([
          {
            code: 'UNPROCESSABLE_ENTITY',
            message: 'Not a valid datetime.',
            target: 'timestamp',
            reason: 'REQUEST_VALIDATION_FAILED',
          },
          {
            code: 'UNPROCESSABLE_ENTITY',
            message: 'Must be one of: asc, desc.',
            target: 'order',
            reason: 'REQUEST_VALIDATION_FAILED',
          },
          {
            code: 'UNPROCESSABLE_ENTITY',
            message: 'Must be greater than or equal to 1 and less than or equal to 1000.',
            target: 'limit',
            reason: 'REQUEST_VALIDATION_FAILED',
          },
        ]),
      );
      expect(response.body.status.errors).toHaveLength(3);
    });

    describe('timestamp filter', () => {
      it('with order=desc lists the operations at or before the timestamp', async () => {
        const user = await ctx.registerUser();
        const [first, second] = await depositsAtDistinctMoments(user, ['1.00', '2.00', '3.00']);
        const ops = await operationsOf(user, { timestamp: second.timestamp });
        expect(ops.map((op) => op.id)).toEqual([second.id, first.id]);
        expect(await operationsOf(user, { timestamp: second.timestamp, order: 'desc' })).toEqual(ops);
      });

      it('with order=asc lists the operations at or after the timestamp', async () => {
        const user = await ctx.registerUser();
        const [, second, third] = await depositsAtDistinctMoments(user, ['1.00', '2.00', '3.00']);
        const ops = await operationsOf(user, { timestamp: second.timestamp, order: 'asc' });
        expect(ops.map((op) => op.id)).toEqual([second.id, third.id]);
      });

      it('combines with limit: the newest operations at or before the timestamp', async () => {
        const user = await ctx.registerUser();
        const [, second, third] = await depositsAtDistinctMoments(user, ['1.00', '2.00', '3.00', '4.00']);
        const ops = await operationsOf(user, { timestamp: third.timestamp, limit: 2 });
        expect(ops.map((op) => op.id)).toEqual([third.id, second.id]);
      });

      it('excludes everything after a timestamp before the first operation (desc) and before one after the last (asc)', async () => {
        const user = await ctx.registerUser();
        const [first, , third] = await depositsAtDistinctMoments(user, ['1.00', '2.00', '3.00']);
        const beforeFirst = new Date(new Date(first.timestamp).getTime() - 1).toISOString();
        const afterLast = new Date(new Date(third.timestamp).getTime() + 1).toISOString();
        expect(await operationsOf(user, { timestamp: beforeFirst })).toEqual([]);
        expect(await operationsOf(user, { timestamp: afterLast, order: 'asc' })).toEqual([]);
        expect(await operationsOf(user, { timestamp: afterLast })).toHaveLength(3);
        expect(await operationsOf(user, { timestamp: beforeFirst, order: 'asc' })).toHaveLength(3);
      });

      it('reads a timestamp with a UTC offset as the same moment', async () => {
        const user = await ctx.registerUser();
        const [first, second] = await depositsAtDistinctMoments(user, ['1.00', '2.00', '3.00']);
        const moment = new Date(new Date(second.timestamp).getTime() + 2 * 3600 * 1000)
          .toISOString()
          .replace('Z', '+02:00');
        const ops = await operationsOf(user, { timestamp: moment });
        expect(ops.map((op) => op.id)).toEqual([second.id, first.id]);
      });

      it('accepts the 29th of February of a leap year', async () => {
        const user = await ctx.fundedUser('1.00');
        expect(await operationsOf(user, { timestamp: '2024-02-29T12:00:00Z' })).toEqual([]);
        expect(await operationsOf(user, { timestamp: '2024-02-29T12:00:00Z', order: 'asc' })).toHaveLength(1);
      });

      it('reads a timestamp without a zone as UTC', async () => {
        const user = await ctx.registerUser();
        const [, second, third] = await depositsAtDistinctMoments(user, ['1.00', '2.00', '3.00']);
        const ops = await operationsOf(user, { timestamp: second.timestamp.replace('Z', ''), order: 'asc' });
        expect(ops.map((op) => op.id)).toEqual([second.id, third.id]);
      });

      it.each([
        'yesterday',
        'not a date',
        '1700000000000',
        '2026-13-01T00:00:00Z',
        '2026-02-30T10:00:00Z',
        '2026-02-29T10:00:00Z',
        '2026-04-31T10:00:00Z',
        '2026-01-01T24:00:00Z',
        '2026-01-01T10:60:00Z',
        '2026-01-01T10:00:60Z',
      ])('rejects timestamp=%p with 422 "Not a valid datetime."', async (timestamp) => {
        const user = await ctx.registerUser();
        await user.agent
          .get('/v1/wallets/operations')
          .query({ timestamp })
          .expect(422, invalidQuery('timestamp', 'Not a valid datetime.'));
      });
    });
  });
});
