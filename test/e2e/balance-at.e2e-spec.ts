import request from 'supertest';
import { useTestContext, deposit, type RegisteredUser, wireStatementsDuring } from '@app/testing';

/** An operation of a wallet as stored: sequence, balance after it, exact millisecond. */
interface StoredOperation {
  sequence: number;
  balanceAfter: string;
  timestampMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('balance as of a moment: GET /v1/wallets?at= (contract part B)', () => {
  const ctx = useTestContext();

  async function storedOperations(walletId: string): Promise<StoredOperation[]> {
    const { rows } = await ctx.db.query<{ sequence: string; balance_after: string; ms: string }>(
      `select o.sequence::text, o.balance_after::text, (extract(epoch from o."timestamp") * 1000)::bigint::text as ms
         from operations o where o.wallet_id = $1 order by o.sequence`,
      [walletId],
    );
    return rows.map((row) => ({
      sequence: Number(row.sequence),
      balanceAfter: row.balance_after,
      timestampMs: Number(row.ms),
    }));
  }

  /** Waits (briefly) until PostgreSQL's clock is past `ms`, so that the next operation gets a later millisecond. */
  const databaseClockPast = (ms: number) => ctx.databaseClockPast(iso(ms + 1));

  /** The balance answered for `at`; the answer names the moment asked for, in UTC (`echo` when given without a zone). */
  async function balanceAt(user: RegisteredUser, at: string, echo = at): Promise<string> {
    const response = await user.agent.get('/v1/wallets').query({ at }).expect(200);
    expect(response.body.data).toEqual({
      id: user.walletId,
      user_id: user.id,
      balance: expect.stringMatching(/^[0-9]+\.[0-9]{2}$/),
      frozen: false,
      at: new Date(echo).toISOString(),
    });
    return response.body.data.balance;
  }

  describe('a wallet with deposits, transfers out and transfers in, each at its own millisecond', () => {
    let user: RegisteredUser;
    let ops: StoredOperation[];

    beforeAll(async () => {
      user = await ctx.registerUser();
      const peer = await ctx.fundedUser('500.00');
      const steps: Array<() => Promise<unknown>> = [
        () => deposit(user, '100.00'),
        () => deposit(user, '0.01'),
        () => user.agent.post('/v1/wallets/transfer').send({ destination: peer.walletId, amount: '40.50' }).expect(200),
        () => peer.agent.post('/v1/wallets/transfer').send({ destination: user.walletId, amount: '12.34' }).expect(200),
        () => user.agent.post('/v1/wallets/transfer').send({ destination: peer.walletId, amount: '71.85' }).expect(200),
        () => deposit(user, '999.99'),
      ];
      for (const step of steps) {
        await step();
        const [last] = (await storedOperations(user.walletId)).slice(-1);
        await databaseClockPast(last.timestampMs + 1);
      }
      ops = await storedOperations(user.walletId);
      expect(ops.map((op) => op.balanceAfter)).toEqual(['100.00', '100.01', '59.51', '71.85', '0.00', '999.99']);
      // Each operation has a millisecond of its own, with at least one free millisecond between them.
      for (let i = 1; i < ops.length; i++) expect(ops[i].timestampMs).toBeGreaterThan(ops[i - 1].timestampMs + 1);
    });

    it('is "0.00" at any moment before the first operation', async () => {
      expect(await balanceAt(user, iso(ops[0].timestampMs - 1))).toBe('0.00');
      expect(await balanceAt(user, '2000-01-01T00:00:00.000Z')).toBe('0.00');
      expect(await balanceAt(user, '1970-01-01T00:00:00Z')).toBe('0.00');
      expect(await balanceAt(user, '0001-01-01T00:00:00Z')).toBe('0.00');
    });

    it('includes an operation exactly at its timestamp: the balance right after it', async () => {
      for (const op of ops) expect(await balanceAt(user, iso(op.timestampMs))).toBe(op.balanceAfter);
    });

    it('between two operations, is the balance after the earlier one', async () => {
      for (let i = 1; i < ops.length; i++) {
        expect(await balanceAt(user, iso(ops[i].timestampMs - 1))).toBe(ops[i - 1].balanceAfter);
        expect(await balanceAt(user, iso(ops[i - 1].timestampMs + 1))).toBe(ops[i - 1].balanceAfter);
      }
    });

    it('is "0.00" again at the moment a transfer emptied the wallet, not the balance before it', async () => {
      const emptied = ops[4];
      expect(await balanceAt(user, iso(emptied.timestampMs))).toBe('0.00');
      expect(await balanceAt(user, iso(emptied.timestampMs - 1))).toBe('71.85');
    });

    it('after the last operation, is the current balance', async () => {
      const current = await user.agent.get('/v1/wallets').expect(200);
      expect(current.body.data.balance).toBe('999.99');
      expect(await balanceAt(user, iso(ops[ops.length - 1].timestampMs + 1))).toBe('999.99');
      expect(await balanceAt(user, '9999-12-31T23:59:59.999Z')).toBe('999.99');
    });

    it('reads `at` with a UTC offset, or without a zone, as the same moment in UTC', async () => {
      const third = new Date(ops[2].timestampMs);
      const plusTwo = new Date(third.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      expect(await balanceAt(user, plusTwo)).toBe('59.51');
      const withoutZone = third.toISOString().replace('Z', '');
      expect(await balanceAt(user, withoutZone, third.toISOString())).toBe('59.51');
    });

    it('with a moment finer than a millisecond, counts an operation of that millisecond as before it', async () => {
      const second = ops[1];
      expect(await balanceAt(user, iso(second.timestampMs).replace('Z', '999Z'))).toBe('100.01');
      expect(await balanceAt(user, iso(second.timestampMs - 1).replace('Z', '999Z'))).toBe('100.00');
    });

    it('answers without `available`: what may be spent is a question about now', async () => {
      const response = await user.agent
        .get('/v1/wallets')
        .query({ at: iso(ops[0].timestampMs) })
        .expect(200);
      expect(Object.keys(response.body.data).sort()).toEqual(['at', 'balance', 'frozen', 'id', 'user_id']);
      const now = await user.agent.get('/v1/wallets').expect(200);
      expect(Object.keys(now.body.data).sort()).toEqual(['available', 'balance', 'frozen', 'id', 'user_id']);
    });

    it("answers each user with its own wallet's past", async () => {
      const stranger = await ctx.fundedUser('3.00');
      const moment = iso(ops[ops.length - 1].timestampMs + 1);
      expect(await balanceAt(user, moment)).toBe('999.99');
      expect(await balanceAt(stranger, moment)).toBe('0.00');
      expect(await balanceAt(stranger, '9999-12-31T23:59:59.999Z')).toBe('3.00');
    });
  });

  describe('when several operations share one timestamp', () => {
    it('the last of them by sequence decides the balance at that moment', async () => {
      const user = await ctx.registerUser();
      const first = await deposit(user, '1.00');
      await databaseClockPast(Date.parse(first.timestamp) + 1);
      const moment = await ctx.depositsAtOneMoment(user.walletId, [250n, 1n, 10_000n, 37n]);
      await ctx.expectLedgerInvariants();
      const ops = await storedOperations(user.walletId);
      expect(ops.map((op) => [op.balanceAfter, op.timestampMs])).toEqual([
        ['1.00', Date.parse(first.timestamp)],
        ['3.50', moment.getTime()],
        ['3.51', moment.getTime()],
        ['103.51', moment.getTime()],
        ['103.88', moment.getTime()],
      ]);

      expect(await balanceAt(user, iso(moment.getTime()))).toBe('103.88');
      expect(await balanceAt(user, iso(moment.getTime() - 1))).toBe('1.00');
      expect(await balanceAt(user, iso(moment.getTime() + 1))).toBe('103.88');
    });
  });

  describe('bad `at`', () => {
    let user: RegisteredUser;
    beforeAll(async () => {
      user = await ctx.fundedUser('5.00');
    });

    it.each([
      ['a word', 'yesterday'],
      ['an empty value', ''],
      ['a number', '1732492800000'],
      ['a date that does not exist', '2026-02-30T00:00:00Z'],
      ['a time that does not exist', '2026-01-01T24:00:00Z'],
      ['a date without a time', '2026-01-01'],
      ['trailing garbage', '2026-01-01T00:00:00Zjunk'],
      ['the year 0, which PostgreSQL does not have', '0000-01-01T00:00:00Z'],
      ['a moment in the year 1 with an offset that puts it in the year 0', '0001-01-01T00:00:00+01:00'],
      ['a moment past the year 9999 in UTC', '9999-12-31T23:59:59.999-14:00'],
    ])('answers 422 on target at for %s', async (_, at) => {
      await user.agent
        .get('/v1/wallets')
        .query({ at })
        .expect(422, {
          status: {
            success: false,
            errors: [
              {
                code: 'UNPROCESSABLE_ENTITY',
                message: 'Not a valid datetime.',
                target: 'at',
                reason: 'REQUEST_VALIDATION_FAILED',
              },
            ],
          },
          data: null,
        });
    });

    it('answers 422 on target at for a repeated parameter', async () => {
      const response = await user.agent.get('/v1/wallets?at=2026-01-01T00:00:00Z&at=2026-01-02T00:00:00Z');
      expect(response.status).toBe(422);
      expect(response.body.status.errors).toEqual([
        {
          code: 'UNPROCESSABLE_ENTITY',
          message: 'Not a valid datetime.',
          target: 'at',
          reason: 'REQUEST_VALIDATION_FAILED',
        },
      ]);
    });

    it('asks for a session first', async () => {
      await request(ctx.server).get('/v1/wallets').query({ at: 'yesterday' }).expect(401);
    });
  });

  describe('query plan', () => {
    it('finds the balance by one backward seek on operations_wallet_timestamp_index, never summing the history', async () => {
      const user = await ctx.registerUser();
      const moment = await ctx.depositsAtOneMoment(
        user.walletId,
        Array.from({ length: 400 }, () => 3n),
      );
      const other = await ctx.registerUser();
      await ctx.depositsAtOneMoment(
        other.walletId,
        Array.from({ length: 400 }, () => 4n),
      );
      await ctx.db.query('analyze operations');

      // A statement with $n parameters: planned (and run) here with the values it was sent with.
      const sent = await wireStatementsDuring(() => balanceAt(user, iso(moment.getTime())));
      const balanceQueries = sent.filter((statement) => /from "?operations"?\s/.test(statement.text));
      expect(balanceQueries).toHaveLength(1);
      const [query] = balanceQueries;
      expect(query.values).toContain(user.walletId);

      const nodes = await ctx.planOf(query.text, { analyze: true, values: query.values });
      const types = nodes.map((node) => node['Node Type']);
      expect(types).not.toContain('Seq Scan');
      expect(types).not.toContain('Aggregate');
      expect(types).not.toContain('Sort');
      const scans = nodes.filter((node) => node['Relation Name'] === 'operations');
      expect(scans).toEqual([
        expect.objectContaining({
          'Node Type': expect.stringMatching(/^Index (Only )?Scan$/),
          'Index Name': 'operations_wallet_timestamp_index',
          'Scan Direction': 'Backward',
          // One seek: of the wallet's 400 operations, one row is read.
          'Actual Rows': 1,
          'Actual Loops': 1,
        }),
      ]);
    });
  });
});
