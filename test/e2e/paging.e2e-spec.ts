import request from 'supertest';
import {
  useTestContext,
  deposit,
  type OperationJson,
  type OperationsPageJson,
  type RegisteredUser,
  wireStatementsDuring,
} from '@app/testing';

type Order = 'asc' | 'desc';

/** An operation of a wallet as stored: its id, sequence and exact millisecond. */
interface StoredOperation {
  id: string;
  sequence: number;
  timestampMs: number;
}

function invalidQuery(target: string, reason: string, message: string) {
  return {
    status: { success: false, errors: [{ code: 'UNPROCESSABLE_ENTITY', message, target, reason }] },
    data: null,
  };
}

const FOREIGN_CURSOR = invalidQuery('cursor', 'INVALID_CURSOR', 'Not a cursor of this wallet and order.');
const NOT_A_CURSOR = invalidQuery('cursor', 'REQUEST_VALIDATION_FAILED', 'Not a valid cursor.');

const cursorText = (position: unknown) => Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');

describe('stable paging of GET /v1/wallets/operations (contract part B)', () => {
  const ctx = useTestContext();

  /** The wallet's operations as stored, in sequence order. */
  async function storedOperations(walletId: string): Promise<StoredOperation[]> {
    const { rows } = await ctx.db.query<{ id: string; sequence: string; ms: string }>(
      `select o.id, o.sequence::text, (extract(epoch from o."timestamp") * 1000)::bigint::text as ms
         from operations o where o.wallet_id = $1 order by o.sequence`,
      [walletId],
    );
    return rows.map((row) => ({ id: row.id, sequence: Number(row.sequence), timestampMs: Number(row.ms) }));
  }

  async function page(
    user: RegisteredUser,
    query: Record<string, string | number | undefined>,
  ): Promise<OperationsPageJson> {
    const defined = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined));
    const response = await user.agent.get('/v1/wallets/operations').query(defined).expect(200);
    expect(Object.keys(response.body).sort()).toEqual(['data', 'meta', 'status']);
    expect(response.body.status).toEqual({ success: true, errors: [] });
    expect(Object.keys(response.body.meta)).toEqual(['next_cursor']);
    return response.body;
  }

  /**
   * Follows meta.next_cursor from the first page to the last and returns every
   * operation served, in the order served. Every page but the last is full; the
   * last one says next_cursor null and is never an empty page after a full one.
   */
  async function walk(
    user: RegisteredUser,
    order: Order,
    limits: number | number[],
    extra: { timestamp?: string } = {},
  ): Promise<{ operations: OperationJson[]; pages: number }> {
    const sizes = Array.isArray(limits) ? limits : [limits];
    const operations: OperationJson[] = [];
    let cursor: string | undefined;
    for (let pages = 1; pages <= 5000; pages++) {
      const limit = sizes[(pages - 1) % sizes.length];
      const body = await page(user, { order, limit, cursor, ...extra });
      operations.push(...body.data);
      if (body.meta.next_cursor === null) {
        expect(body.data.length).toBeLessThanOrEqual(limit);
        if (pages > 1) expect(body.data.length).toBeGreaterThan(0);
        return { operations, pages };
      }
      expect(body.data).toHaveLength(limit);
      expect(typeof body.meta.next_cursor).toBe('string');
      cursor = body.meta.next_cursor;
    }
    throw new Error('paging did not end');
  }

  function expectExactly(served: OperationJson[], stored: StoredOperation[], order: Order): void {
    const expected = order === 'asc' ? stored : [...stored].reverse();
    expect(served.map((op) => op.id)).toEqual(expected.map((op) => op.id));
    // Sequence order is timestamp order: the served timestamps never go back (asc) or forward (desc).
    const times = served.map((op) => Date.parse(op.timestamp));
    for (let i = 1; i < times.length; i++) {
      if (order === 'asc') expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
      else expect(times[i]).toBeLessThanOrEqual(times[i - 1]);
    }
  }

  /**
   * A wallet with `count` operations of all kinds: deposits, transfers out and
   * transfers in, posted one by one through HTTP.
   */
  async function walletWithHistory(count: number): Promise<{ user: RegisteredUser; peer: RegisteredUser }> {
    const user = await ctx.registerUser();
    const peer = await ctx.fundedUser('100000.00');
    for (let i = 0; i < count; i++) {
      if (i % 5 === 3) {
        await user.agent.post('/v1/wallets/transfer').send({ destination: peer.walletId, amount: '0.75' }).expect(200);
      } else if (i % 5 === 4) {
        await peer.agent
          .post('/v1/wallets/transfer')
          .send({ destination: user.walletId, amount: `${i}.01` })
          .expect(200);
      } else {
        await deposit(user, `${i + 1}.00`);
      }
    }
    return { user, peer };
  }

  describe('a wallet with 123 operations of distinct kinds', () => {
    let user: RegisteredUser;
    let peer: RegisteredUser;
    let stored: StoredOperation[];

    beforeAll(async () => {
      ({ user, peer } = await walletWithHistory(123));
      stored = await storedOperations(user.walletId);
      expect(stored).toHaveLength(123);
    });

    for (const order of ['desc', 'asc'] as const) {
      for (const limit of [1, 7, 100, 1000]) {
        it(`order=${order}, limit=${limit}: walking every page serves each operation exactly once, in order`, async () => {
          const { operations, pages } = await walk(user, order, limit);
          expectExactly(operations, stored, order);
          expect(pages).toBe(Math.ceil(123 / limit));
        });
      }

      it(`order=${order}: the limit may change from page to page without losing or repeating anything`, async () => {
        const { operations } = await walk(user, order, [3, 50, 1, 13]);
        expectExactly(operations, stored, order);
      });
    }

    it('answers next_cursor null on a page that ends exactly at the last operation', async () => {
      const { operations, pages } = await walk(user, 'asc', 41);
      expect(pages).toBe(3);
      expectExactly(operations, stored, 'asc');
      const single = await page(user, { order: 'desc', limit: 123 });
      expect(single.data).toHaveLength(123);
      expect(single.meta.next_cursor).toBeNull();
    });

    it('defaults to newest first, 100 per page, with a cursor to the remaining 23', async () => {
      const first = await page(user, {});
      expect(first.data.map((op) => op.id)).toEqual(
        stored
          .slice(-100)
          .reverse()
          .map((op) => op.id),
      );
      expect(first.meta.next_cursor).toEqual(expect.any(String));
      const rest = await page(user, { cursor: first.meta.next_cursor! });
      expect(rest.data.map((op) => op.id)).toEqual(
        stored
          .slice(0, 23)
          .reverse()
          .map((op) => op.id),
      );
      expect(rest.meta.next_cursor).toBeNull();
    });

    it("refuses another user's cursor with 422 on target cursor", async () => {
      const peerPage = await page(peer, { limit: 1 });
      expect(peerPage.meta.next_cursor).toEqual(expect.any(String));
      await user.agent
        .get('/v1/wallets/operations')
        .query({ limit: 1, cursor: peerPage.meta.next_cursor! })
        .expect(422, FOREIGN_CURSOR);
      // Forging the wallet id into an otherwise valid cursor is refused the same way.
      await user.agent
        .get('/v1/wallets/operations')
        .query({ cursor: cursorText({ w: peer.walletId, o: 'desc', s: 5 }) })
        .expect(422, FOREIGN_CURSOR);
    });

    it('refuses a cursor made for one order when used with the other, both ways', async () => {
      const asc = await page(user, { order: 'asc', limit: 5 });
      await user.agent
        .get('/v1/wallets/operations')
        .query({ order: 'desc', limit: 5, cursor: asc.meta.next_cursor! })
        .expect(422, FOREIGN_CURSOR);
      // No order given means desc: still not the order the cursor was made for.
      await user.agent
        .get('/v1/wallets/operations')
        .query({ limit: 5, cursor: asc.meta.next_cursor! })
        .expect(422, FOREIGN_CURSOR);
      const desc = await page(user, { order: 'desc', limit: 5 });
      await user.agent
        .get('/v1/wallets/operations')
        .query({ order: 'asc', limit: 5, cursor: desc.meta.next_cursor! })
        .expect(422, FOREIGN_CURSOR);
    });

    it.each([
      ['plain text', 'garbage'],
      ['an empty value', ''],
      ['characters outside base64url', 'eyJ3Ijo+fQ=='],
      ['base64url of text that is not JSON', Buffer.from('hello').toString('base64url')],
      ['base64url of JSON null', cursorText(null)],
      ['base64url of a JSON array', cursorText([1, 2])],
      ['a position without a wallet', { o: 'desc', s: 3 }],
      ['a position with an unknown order', { w: 'x', o: 'sideways', s: 3 }],
      ['a position with sequence 0', { w: 'x', o: 'desc', s: 0 }],
      ['a position with a fractional sequence', { w: 'x', o: 'desc', s: 1.5 }],
      ['a position with a sequence as text', { w: 'x', o: 'desc', s: '3' }],
      ['an overlong value', 'A'.repeat(600)],
    ])('answers 422 "Not a valid cursor." for %s', async (_, cursor) => {
      const text = typeof cursor === 'string' ? cursor : cursorText(cursor);
      await user.agent.get('/v1/wallets/operations').query({ cursor: text }).expect(422, NOT_A_CURSOR);
    });

    it('answers 422 "Not a valid cursor." for a repeated cursor parameter', async () => {
      const first = await page(user, { limit: 2 });
      await user.agent
        .get(`/v1/wallets/operations?cursor=${first.meta.next_cursor}&cursor=${first.meta.next_cursor}`)
        .expect(422, NOT_A_CURSOR);
    });

    it('answers 422 on target timestamp for a moment PostgreSQL cannot hold, beside a bad cursor', async () => {
      for (const timestamp of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999-14:00']) {
        const response = await user.agent.get('/v1/wallets/operations').query({ timestamp, cursor: 'garbage' });
        expect({ status: response.status, body: response.body }).toEqual({
          status: 422,
          body: {
            status: {
              success: false,
              errors: expect.arrayContaining([
                {
                  code: 'UNPROCESSABLE_ENTITY',
                  message: 'Not a valid datetime.',
                  target: 'timestamp',
                  reason: 'REQUEST_VALIDATION_FAILED',
                },
                {
                  code: 'UNPROCESSABLE_ENTITY',
                  message: 'Not a valid cursor.',
                  target: 'cursor',
                  reason: 'REQUEST_VALIDATION_FAILED',
                },
              ]),
            },
            data: null,
          },
        });
        expect(response.body.status.errors).toHaveLength(2);
      }
    });

    it('asks for a session before looking at the cursor', async () => {
      await request(ctx.server).get('/v1/wallets/operations').query({ cursor: 'garbage' }).expect(401);
    });

    describe('with timestamp', () => {
      /** A moment inside the history: the timestamp of the 60th operation. */
      const pivotIndex = 59;

      it('without a cursor keeps its meaning: desc serves at or before it, asc at or after it', async () => {
        const pivot = stored[pivotIndex].timestampMs;
        const timestamp = new Date(pivot).toISOString();
        const desc = await page(user, { order: 'desc', limit: 1000, timestamp });
        expect(desc.data.map((op) => op.id)).toEqual(
          stored
            .filter((op) => op.timestampMs <= pivot)
            .reverse()
            .map((op) => op.id),
        );
        expect(desc.data.map((op) => op.id)).toContain(stored[pivotIndex].id);
        const asc = await page(user, { order: 'asc', limit: 1000, timestamp });
        expect(asc.data.map((op) => op.id)).toEqual(stored.filter((op) => op.timestampMs >= pivot).map((op) => op.id));
        expect(asc.data.map((op) => op.id)).toContain(stored[pivotIndex].id);
      });

      for (const order of ['desc', 'asc'] as const) {
        for (const limit of [1, 7, 100]) {
          it(`order=${order}, limit=${limit}: combined with the cursor, pages continue inside the timestamp's bound`, async () => {
            const pivot = stored[pivotIndex].timestampMs;
            const { operations } = await walk(user, order, limit, { timestamp: new Date(pivot).toISOString() });
            const inside = stored.filter((op) =>
              order === 'desc' ? op.timestampMs <= pivot : op.timestampMs >= pivot,
            );
            expectExactly(operations, inside, order);
          });
        }
      }

      it('serves nothing, and no cursor, before the first operation (desc) or after the last (asc)', async () => {
        const before = new Date(stored[0].timestampMs - 1).toISOString();
        const after = new Date(stored[stored.length - 1].timestampMs + 1).toISOString();
        expect(await page(user, { order: 'desc', timestamp: before })).toMatchObject({
          data: [],
          meta: { next_cursor: null },
        });
        expect(await page(user, { order: 'asc', timestamp: after })).toMatchObject({
          data: [],
          meta: { next_cursor: null },
        });
      });
    });
  });

  describe('a wallet where 500 operations share one timestamp', () => {
    const COUNT = 500;
    let user: RegisteredUser;
    let moment: Date;
    let stored: StoredOperation[];

    beforeAll(async () => {
      user = await ctx.registerUser();
      // Distinct amounts, so that an operation served twice or out of place shows in the balances too.
      moment = await ctx.depositsAtOneMoment(
        user.walletId,
        Array.from({ length: COUNT }, (_, i) => BigInt(100 + i)),
      );
      stored = await storedOperations(user.walletId);
      expect(stored).toHaveLength(COUNT);
      expect(new Set(stored.map((op) => op.timestampMs))).toEqual(new Set([moment.getTime()]));
      await ctx.expectLedgerInvariants();
    });

    for (const order of ['desc', 'asc'] as const) {
      for (const limit of [3, 7, 100, 499, 500, 1000]) {
        it(`order=${order}, limit=${limit}: every operation is served exactly once, in sequence order`, async () => {
          const { operations, pages } = await walk(user, order, limit);
          expectExactly(operations, stored, order);
          expect(pages).toBe(Math.ceil(COUNT / limit));
        });
      }
    }

    it('with timestamp equal to the shared moment and a cursor, serves all of them once in both orders', async () => {
      const timestamp = moment.toISOString();
      for (const order of ['desc', 'asc'] as const) {
        const { operations } = await walk(user, order, 9, { timestamp });
        expectExactly(operations, stored, order);
      }
    });

    it('with timestamp one millisecond off the shared moment, serves none of them', async () => {
      const before = new Date(moment.getTime() - 1).toISOString();
      const after = new Date(moment.getTime() + 1).toISOString();
      expect((await page(user, { order: 'desc', timestamp: before })).data).toEqual([]);
      expect((await page(user, { order: 'asc', timestamp: after })).data).toEqual([]);
    });

    it('after later operations arrive, timestamp=the moment (desc) still serves exactly the 500, and asc serves them all', async () => {
      const later = await ctx.registerUser();
      const at = await ctx.depositsAtOneMoment(
        later.walletId,
        Array.from({ length: 40 }, () => 1n),
      );
      // Newer operations, posted through the API after the shared moment.
      for (let i = 0; i < 3; i++) await deposit(later, '2.00');
      const all = await storedOperations(later.walletId);
      const shared = all.filter((op) => op.timestampMs === at.getTime());
      expect(shared).toHaveLength(40);
      expect(all[all.length - 1].timestampMs).toBeGreaterThan(at.getTime());

      const desc = await walk(later, 'desc', 6, { timestamp: at.toISOString() });
      expectExactly(desc.operations, shared, 'desc');
      const asc = await walk(later, 'asc', 6, { timestamp: at.toISOString() });
      expectExactly(asc.operations, all, 'asc');
    });
  });

  describe('while new operations arrive between pages', () => {
    it('a desc walk started before new deposits neither repeats nor skips the older operations', async () => {
      const { user } = await walletWithHistory(30);
      const before = await storedOperations(user.walletId);

      const first = await page(user, { order: 'desc', limit: 7 });
      const served = [...first.data];
      let cursor = first.meta.next_cursor;
      let arrived = 0;
      while (cursor !== null) {
        // Something new lands on the wallet before every next page is asked for.
        await deposit(user, '0.01');
        arrived++;
        const next = await page(user, { order: 'desc', limit: 7, cursor });
        served.push(...next.data);
        cursor = next.meta.next_cursor;
      }
      expect(arrived).toBeGreaterThanOrEqual(4);
      expectExactly(served, before, 'desc');

      // A fresh walk sees the newcomers first, then the same history.
      const after = await storedOperations(user.walletId);
      expect(after).toHaveLength(before.length + arrived);
      expectExactly((await walk(user, 'desc', 7)).operations, after, 'desc');
    });

    it('an asc walk started before new deposits serves the old operations once and the new ones at the end', async () => {
      const { user } = await walletWithHistory(20);
      const first = await page(user, { order: 'asc', limit: 6 });
      const served = [...first.data];
      let cursor = first.meta.next_cursor;
      while (cursor !== null) {
        if (served.length <= 20) await deposit(user, '0.02');
        const next = await page(user, { order: 'asc', limit: 6, cursor });
        served.push(...next.data);
        cursor = next.meta.next_cursor;
      }
      expectExactly(served, await storedOperations(user.walletId), 'asc');
      expect(served.length).toBeGreaterThan(20);
    });
  });

  describe('query plans', () => {
    let user: RegisteredUser;

    beforeAll(async () => {
      user = await ctx.registerUser();
      await ctx.depositsAtOneMoment(
        user.walletId,
        Array.from({ length: 300 }, () => 5n),
      );
      // Other wallets' operations around it, and real statistics for the planner.
      const other = await ctx.registerUser();
      await ctx.depositsAtOneMoment(
        other.walletId,
        Array.from({ length: 300 }, () => 7n),
      );
      await ctx.db.query('analyze operations');
    });

    for (const [order, direction] of [
      ['desc', 'Backward'],
      ['asc', 'Forward'],
    ] as const) {
      it(`order=${order}: the page query walks operations_wallet_sequence_unique ${direction.toLowerCase()}, with no sort and no sequential scan`, async () => {
        const first = await page(user, { order, limit: 10 });
        const sent = await wireStatementsDuring(() =>
          page(user, { order, limit: 10, cursor: first.meta.next_cursor! }),
        );
        const pageQueries = sent.filter((statement) => /from "operations"/.test(statement.text));
        expect(pageQueries).toHaveLength(1);
        const [pageQuery] = pageQueries;
        expect(pageQuery.values).toContain(user.walletId);

        // Planned as it was sent (unnamed, for its values): the conditions of its null parameters fold away.
        const nodes = await ctx.planOf(pageQuery.text, { values: pageQuery.values });
        const scans = nodes.filter((node) => node['Relation Name'] === 'operations');
        expect(scans).toEqual([
          expect.objectContaining({
            'Node Type': expect.stringMatching(/^Index (Only )?Scan$/),
            'Index Name': 'operations_wallet_sequence_unique',
            'Scan Direction': direction,
            // The cursor is a seek in the index, not a filter over the rows before it.
            'Index Cond': expect.stringMatching(
              order === 'desc' ? /wallet_id = .*sequence < / : /wallet_id = .*sequence > /,
            ),
          }),
        ]);
        expect(nodes.map((node) => node['Node Type'])).not.toContain('Sort');
        expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
      });
    }

    it('a timestamp is turned into a sequence bound by one seek on operations_wallet_timestamp_index', async () => {
      // The bound and the page are statements with $n parameters: each planned with what it was sent with.
      const sent = await wireStatementsDuring(() =>
        page(user, { order: 'desc', limit: 10, timestamp: new Date().toISOString() }),
      );
      const operationQueries = sent.filter((statement) => /from "?operations"?\s/.test(statement.text));
      expect(operationQueries).toHaveLength(2);
      const [bound, rows] = await Promise.all(
        operationQueries.map((statement) => ctx.planOf(statement.text, { values: statement.values })),
      );
      expect(bound.filter((node) => node['Relation Name'] === 'operations')).toEqual([
        expect.objectContaining({ 'Index Name': 'operations_wallet_timestamp_index' }),
      ]);
      expect(rows.filter((node) => node['Relation Name'] === 'operations')).toEqual([
        expect.objectContaining({ 'Index Name': 'operations_wallet_sequence_unique' }),
      ]);
      for (const nodes of [bound, rows]) {
        expect(nodes.map((node) => node['Node Type'])).not.toContain('Sort');
        expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
      }
    });
  });
});
