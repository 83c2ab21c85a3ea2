import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { encodeCursor } from '@app/http';
import { FUNDING_WALLET_ID } from '@app/ledger';
import { MoneyMovements } from '@app/transfers';
import { useTestContext, balanceOf, lockWaiters, placeHold, type RegisteredUser, until } from '@app/testing';
import { buildOpenApiDocument } from '../../apps/api/src/bootstrap/swagger';

const YOURS_FROZEN = 'Your wallet is frozen: it cannot send or receive money. Contact support to have it reviewed.';
const DESTINATION_FROZEN = 'The destination wallet is frozen and cannot receive money.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Contract part B, "Reversals, freezes and audit (admin)": the role guard,
 * reversals, freezes, the action log and the reads for operators, through HTTP.
 */
describe('admin tools (contract part B)', () => {
  const ctx = useTestContext({ listen: true });
  let admin: RegisteredUser;

  beforeAll(async () => {
    admin = await ctx.adminUser();
  });

  function expectError(response: request.Response, status: number, code: string, message: string | RegExp) {
    expect({ status: response.status, success: response.body.status.success, data: response.body.data }).toEqual({
      status,
      success: false,
      data: null,
    });
    expect(response.body.status.errors).toHaveLength(1);
    expect(response.body.status.errors[0]).toMatchObject({ code, message: expect.stringMatching(message) });
  }

  const reverse = (transferId: string, body: object = {}) =>
    admin.agent.post(`/v1/admin/transfers/${transferId}/reversal`).send(body);

  describe('the role guard', () => {
    /** Every admin route of the OpenAPI document, so that a new route is covered without touching this test. */
    function adminRoutes(): { method: string; path: string }[] {
      const document = buildOpenApiDocument(ctx.app);
      const routes = Object.entries(document.paths)
        .filter(([path]) => path.startsWith('/v1/admin/'))
        .flatMap(([path, item]) =>
          Object.keys(item)
            .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
            .map((method) => ({ method, path: path.replace(/\{[^}]+\}/g, randomUUID()) })),
        );
      expect(routes.length).toBeGreaterThanOrEqual(8);
      return routes;
    }

    it('answers 401 to a visitor and 403 FORBIDDEN to a logged-in user on every admin route', async () => {
      const user = await ctx.registerUser();
      for (const { method, path } of adminRoutes()) {
        const visitor = await (request(ctx.server) as unknown as Record<string, (p: string) => request.Test>)
          [method](path)
          .set('Content-Type', 'application/json')
          .send('{}');
        expectError(visitor, 401, 'UNAUTHORIZED', 'Authentication required.');
        const asUser = await (user.agent as unknown as Record<string, (p: string) => request.Test>)
          [method](path)
          .set('Content-Type', 'application/json')
          .send('{}');
        expectError(asUser, 403, 'FORBIDDEN', 'This route is for admins only.');
      }
    });

    it('makes public registration a user, whatever the body says, and lets the session tell its role', async () => {
      const username = `role-${randomUUID().slice(0, 8)}`;
      const agent = request.agent(ctx.server);
      await agent
        .post('/v1/auth/register')
        .send({ username, password: 'pw-123456', passwordConfirm: 'pw-123456', role: 'admin' })
        .expect(200);
      const me = await agent.get('/v1/auth/me').expect(200);
      expect(me.body.data).toEqual({ id: expect.stringMatching(UUID), username, role: 'user' });
      expectError(await agent.get('/v1/admin/actions'), 403, 'FORBIDDEN', /admins only/);
      expectError(await request(ctx.server).get('/v1/auth/me'), 401, 'UNAUTHORIZED', 'Authentication required.');
    });

    it('takes a promotion into account on the next request of an existing session, and a demotion too', async () => {
      const user = await ctx.registerUser();
      expectError(await user.agent.get('/v1/admin/actions'), 403, 'FORBIDDEN', /admins only/);
      const promoted = await ctx.promote(user);
      expect(promoted.outcome).toBe('promoted');
      await user.agent.get('/v1/admin/actions').expect(200);
      expect((await user.agent.get('/v1/auth/me').expect(200)).body.data.role).toBe('admin');
      expect((await ctx.promote(user)).outcome).toBe('unchanged');
      await ctx.db.query(`update users set role = 'user' where id = $1`, [user.id]);
      expectError(await user.agent.get('/v1/admin/actions'), 403, 'FORBIDDEN', /admins only/);
    });
  });

  describe('reversals', () => {
    it('posts one REVERSAL entry that restores both balances, answers its legs with receipts, and logs it', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '30.25');
      const response = await reverse(paid.transfer_id, { reason: 'sent to the wrong wallet' }).expect(200);
      const reversal = response.body.data;
      expect(reversal).toEqual({
        id: expect.stringMatching(UUID),
        type: 'REVERSAL',
        reversed_transfer_id: paid.transfer_id,
        reason: 'sent to the wrong wallet',
        amount: '30.25',
        reversed_amount: '30.25',
        remaining: '0.00',
        operations: [
          expect.objectContaining({
            transfer_id: reversal.id,
            wallet_id: bob.walletId,
            source_wallet_id: bob.walletId,
            destination_wallet_id: alice.walletId,
            type: 'REVERSAL',
            amount: '-30.25',
            sequence: 2,
            balance_after: '0.00',
            reverses: paid.transfer_id,
            reversed_amount: null,
          }),
          expect.objectContaining({
            transfer_id: reversal.id,
            wallet_id: alice.walletId,
            type: 'REVERSAL',
            amount: '30.25',
            sequence: 3,
            balance_after: '100.00',
            reverses: paid.transfer_id,
            reversed_amount: null,
          }),
        ],
      });
      expect(await balanceOf(alice)).toBe('100.00');
      expect(await balanceOf(bob)).toBe('0.00');
      const aliceOps = (await alice.agent.get('/v1/wallets/operations').expect(200)).body.data;
      expect(aliceOps.map((op: { type: string; amount: string }) => `${op.type} ${op.amount}`)).toEqual([
        'REVERSAL 30.25',
        'TRANSFER -30.25',
        'DEPOSIT 100.00',
      ]);
      const log = (await admin.agent.get('/v1/admin/actions?limit=1').expect(200)).body.data;
      expect(log).toEqual([
        {
          id: expect.stringMatching(UUID),
          admin_id: admin.id,
          admin_username: admin.username,
          action: 'REVERSAL',
          target: paid.transfer_id,
          target_username: null,
          reason: 'sent to the wrong wallet',
          amount: '30.25',
          entry_id: reversal.id,
          created_at: expect.any(String),
          source_wallet_id: alice.walletId,
          source_username: alice.username,
          destination_wallet_id: bob.walletId,
          destination_username: bob.username,
        },
      ]);
      await ctx.expectLedgerInvariants();
    });

    it('reverses a transfer at most once: of concurrent reversals one answers 200 and the others 409', async () => {
      const alice = await ctx.fundedUser('50.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '20.00');
      const answers = await Promise.all(Array.from({ length: 6 }, () => reverse(paid.transfer_id)));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      for (const answer of answers.filter((a) => a.status === 409)) {
        expectError(answer, 409, 'CONFLICT', 'This transfer was already reversed.');
      }
      expect(await balanceOf(alice)).toBe('50.00');
      expect(await balanceOf(bob)).toBe('0.00');
      const { rows } = await ctx.db.query(`select count(*)::int as n from journal_entries where reverses_id = $1`, [
        paid.transfer_id,
      ]);
      expect(rows[0].n).toBe(1);
      await ctx.expectLedgerInvariants();
    });

    it('refuses to reverse a reversal, even a partial one (409 NOT_REVERSIBLE), and answers 404 for an unknown or malformed id', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '4.00');
      const reversal = (await reverse(paid.transfer_id, { amount: '1.00' }).expect(200)).body.data;
      const refused = await reverse(reversal.id);
      expectError(refused, 409, 'CONFLICT', /^A reversal cannot be reversed; only transfers and deposits can\.$/);
      expect(refused.body.status.errors[0].reason).toBe('NOT_REVERSIBLE');
      expectError(await reverse(reversal.id, { amount: '0.50' }), 409, 'CONFLICT', /^A reversal cannot be reversed/);
      expectError(await reverse(randomUUID()), 404, 'NOT_FOUND', 'Transfer does not exist.');
      expectError(await reverse('not-a-uuid'), 404, 'NOT_FOUND', 'Transfer does not exist.');
    });

    it("answers 400 INSUFFICIENT_FUNDS naming the payee's wallet and what it has when the receiver no longer holds the money, posting nothing", async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const carol = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '10.00');
      await ctx.transfer(bob, carol.walletId, '6.00');
      const refused = await reverse(paid.transfer_id);
      expectError(
        refused,
        400,
        'BAD_REQUEST',
        `^Insufficient funds: the payee's wallet ${bob.walletId} has 4\\.00 available; the reversal needs 10\\.00\\.$`,
      );
      expect(refused.body.status.errors[0]).toMatchObject({ reason: 'INSUFFICIENT_FUNDS', target: '__all__' });
      expect(await balanceOf(bob)).toBe('4.00');
      // Money held for a hold is not the receiver's to give back either.
      await ctx.transfer(carol, bob.walletId, '6.00');
      await placeHold(bob, carol.walletId, '1.00');
      expectError(
        await reverse(paid.transfer_id),
        400,
        'BAD_REQUEST',
        `^Insufficient funds: the payee's wallet ${bob.walletId} has 9\\.00 available; the reversal needs 10\\.00\\.$`,
      );
      const { rows } = await ctx.db.query(`select count(*)::int as n from journal_entries where reverses_id = $1`, [
        paid.transfer_id,
      ]);
      expect(rows[0].n).toBe(0);
      // What it has is enough for a part of it.
      expect((await reverse(paid.transfer_id, { amount: '9.00' }).expect(200)).body.data).toMatchObject({
        amount: '9.00',
        reversed_amount: '9.00',
        remaining: '1.00',
      });
    });

    it('replays a reversal sent again with its Idempotency-Key, posting once', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '3.00');
      const key = `reverse-${randomUUID()}`;
      const first = await reverse(paid.transfer_id, { reason: 'dup' }).set('Idempotency-Key', key).expect(200);
      const again = await reverse(paid.transfer_id, { reason: 'dup' }).set('Idempotency-Key', key).expect(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await balanceOf(alice)).toBe('10.00');
    });
  });

  describe('partial reversals, deposit reversals and claw-backs', () => {
    const errorOf = (response: request.Response) => response.body.status.errors[0];

    it('reverses a transfer in parts that add up to its amount, then answers 409 ALREADY_REVERSED', async () => {
      const alice = await ctx.fundedUser('50.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '10.00');
      const first = (await reverse(paid.transfer_id, { amount: '2.50', reason: 'refund, item 1' }).expect(200)).body.data;
      expect(first).toMatchObject({ amount: '2.50', reversed_amount: '2.50', remaining: '7.50', reason: 'refund, item 1' });
      expect(first.operations.map((op: { wallet_id: string; amount: string }) => [op.wallet_id, op.amount])).toEqual([
        [bob.walletId, '-2.50'],
        [alice.walletId, '2.50'],
      ]);
      // A JSON number is an amount too.
      const second = (await reverse(paid.transfer_id, { amount: 4 }).expect(200)).body.data;
      expect(second).toMatchObject({ amount: '4.00', reversed_amount: '6.50', remaining: '3.50' });
      // No amount: whatever is left.
      const rest = (await reverse(paid.transfer_id).expect(200)).body.data;
      expect(rest).toMatchObject({ amount: '3.50', reversed_amount: '10.00', remaining: '0.00' });
      for (const body of [{}, { amount: '0.01' }]) {
        const refused = await reverse(paid.transfer_id, body);
        expectError(refused, 409, 'CONFLICT', /^This transfer was already reversed\.$/);
        expect(errorOf(refused).reason).toBe('ALREADY_REVERSED');
      }
      expect(await balanceOf(alice)).toBe('50.00');
      expect(await balanceOf(bob)).toBe('0.00');
      const log = (await admin.agent.get('/v1/admin/actions?limit=3').expect(200)).body.data;
      expect(log.map((line: { amount: string; entry_id: string; target: string }) => [line.amount, line.entry_id, line.target])).toEqual([
        ['3.50', rest.id, paid.transfer_id],
        ['4.00', second.id, paid.transfer_id],
        ['2.50', first.id, paid.transfer_id],
      ]);
      await ctx.expectLedgerInvariants();
    });

    it('answers 409 REVERSAL_EXCEEDS_REMAINING naming what is left when asked for more, posting nothing', async () => {
      const alice = await ctx.fundedUser('20.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '10.00');
      await reverse(paid.transfer_id, { amount: '7.00' }).expect(200);
      const refused = await reverse(paid.transfer_id, { amount: '3.01' });
      expectError(refused, 409, 'CONFLICT', /^Only 3\.00 of this transfer's 10\.00 is left to reverse\.$/);
      expect(errorOf(refused)).toMatchObject({ reason: 'REVERSAL_EXCEEDS_REMAINING', target: 'amount' });
      expectError(
        await reverse(paid.transfer_id, { amount: '10.00' }),
        409,
        'CONFLICT',
        /^Only 3\.00 of this transfer's 10\.00 is left/,
      );
      expect(await balanceOf(bob)).toBe('3.00');
      await reverse(paid.transfer_id, { amount: '3.00' }).expect(200);
      expect(await balanceOf(alice)).toBe('20.00');
    });

    it('refuses a malformed or non-positive amount with 422 on `amount`, posting nothing', async () => {
      const alice = await ctx.fundedUser('20.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '10.00');
      for (const amount of ['0', '0.00', '-1.00', '1.001', '1e1', '', 'ten', null, true]) {
        const refused = await reverse(paid.transfer_id, { amount });
        expect({ amount, status: refused.status, target: errorOf(refused)?.target }).toEqual({
          amount,
          status: 422,
          target: 'amount',
        });
      }
      expect(await balanceOf(bob)).toBe('10.00');
    });

    it('lets exactly as many of 10 concurrent reversals of 3.00 through as fit in a 10.00 transfer (3), the rest 409', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '10.00');
      const answers = await Promise.all(Array.from({ length: 10 }, () => reverse(paid.transfer_id, { amount: '3.00' })));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 409, 409, 409, 409, 409, 409, 409]);
      for (const answer of answers.filter((a) => a.status === 409)) {
        expectError(answer, 409, 'CONFLICT', /^Only 1\.00 of this transfer's 10\.00 is left to reverse\.$/);
      }
      const totals = answers
        .filter((a) => a.status === 200)
        .map((a) => a.body.data.reversed_amount)
        .sort();
      expect(totals).toEqual(['3.00', '6.00', '9.00']);
      const { rows } = await ctx.db.query(
        `select count(*)::int as n, sum(reversed_total - coalesce((select p.reversed_total from journal_entries p
            where p.reverses_id = r.reverses_id and p.reversal_number = r.reversal_number - 1), 0))::text as sum
           from journal_entries r where reverses_id = $1`,
        [paid.transfer_id],
      );
      expect(rows[0]).toEqual({ n: 3, sum: '9.00' });
      expect(await balanceOf(alice)).toBe('9.00');
      expect(await balanceOf(bob)).toBe('1.00');
      await ctx.expectLedgerInvariants();
    });

    it('counts an earlier reversal of the same batch: three queued reversals of one transfer commit together, the third refused', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '10.00');
      const committer = ctx.app.get(MoneyMovements);
      // A first reversal holds the group committer on bob's wallet, locked here; three more queue behind it
      // and make the next batch together: their entries go out in one statement.
      const blocker = await ctx.connectDb();
      try {
        await blocker.query('begin');
        await blocker.query('select 1 from wallets where id = $1 for update', [bob.walletId]);
        const first = reverse(paid.transfer_id, { amount: '3.00' }).then((response) => response);
        await until(async () => (await lockWaiters(blocker)) === 1, 'the first reversal waits on the lock');
        const batch = [1, 2, 3].map(() => reverse(paid.transfer_id, { amount: '3.00' }).then((response) => response));
        await until(() => committer.waiting === 3, 'three reversals queue in the group committer');
        await blocker.query('commit');
        expect((await first).body.data).toMatchObject({ reversed_amount: '3.00', remaining: '7.00' });
        // In arrival order (which the three requests' sockets decide): two accepted, the last refused.
        const answers = await Promise.all(batch);
        expect(answers.map((answer) => `${answer.status} ${answer.body.data?.reversed_amount ?? '-'}`).sort()).toEqual([
          '200 6.00',
          '200 9.00',
          '409 -',
        ]);
        expectError(answers.find((answer) => answer.status === 409)!, 409, 'CONFLICT', /^Only 1\.00 of this transfer's 10\.00 is left to reverse\.$/);
      } finally {
        await blocker.end();
      }
      const { rows } = await ctx.db.query(
        `select reversal_number, reversed_total::text as total from journal_entries where reverses_id = $1 order by reversal_number`,
        [paid.transfer_id],
      );
      expect(rows).toEqual([
        { reversal_number: 1, total: '3.00' },
        { reversal_number: 2, total: '6.00' },
        { reversal_number: 3, total: '9.00' },
      ]);
      await ctx.expectLedgerInvariants();
    });

    it("reverses a deposit (a chargeback): the depositor's wallet pays the funding wallet back, in parts, once in all", async () => {
      const alice = await ctx.registerUser();
      const bob = await ctx.registerUser();
      const deposit = await ctx.deposit(alice, '25.00');
      await ctx.transfer(alice, bob.walletId, '20.00');
      const refused = await reverse(deposit.transfer_id);
      expectError(
        refused,
        400,
        'BAD_REQUEST',
        `^Insufficient funds: the depositor's wallet ${alice.walletId} has 5\\.00 available; the reversal needs 25\\.00\\.$`,
      );
      expect(errorOf(refused).reason).toBe('INSUFFICIENT_FUNDS');
      const part = (await reverse(deposit.transfer_id, { amount: '5.00', reason: 'chargeback' }).expect(200)).body.data;
      expect(part).toMatchObject({ reversed_transfer_id: deposit.transfer_id, amount: '5.00', reversed_amount: '5.00', remaining: '20.00' });
      expect(part.operations).toEqual([
        expect.objectContaining({
          wallet_id: alice.walletId,
          source_wallet_id: alice.walletId,
          destination_wallet_id: FUNDING_WALLET_ID,
          type: 'REVERSAL',
          amount: '-5.00',
          balance_after: '0.00',
          reverses: deposit.transfer_id,
        }),
        expect.objectContaining({
          wallet_id: FUNDING_WALLET_ID,
          amount: '5.00',
          sequence: null,
          balance_after: null,
          reverses: deposit.transfer_id,
        }),
      ]);
      await ctx.transfer(bob, alice.walletId, '20.00');
      expectError(
        await reverse(deposit.transfer_id, { amount: '20.01' }),
        409,
        'CONFLICT',
        /^Only 20\.00 of this deposit's 25\.00 is left to reverse\.$/,
      );
      await reverse(deposit.transfer_id).expect(200);
      expectError(await reverse(deposit.transfer_id), 409, 'CONFLICT', /^This deposit was already reversed\.$/);
      expect(await balanceOf(alice)).toBe('0.00');
      await ctx.expectLedgerInvariants();
    });

    it('claws back from a frozen payee wallet (and pays a frozen payer back): a freeze stops the user, not the operator', async () => {
      const alice = await ctx.fundedUser('40.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '30.00');
      await admin.agent.post(`/v1/admin/wallets/${bob.walletId}/freeze`).send({ reason: 'fraud suspected' }).expect(200);
      // The user stays blocked.
      await bob.agent.post('/v1/wallets/transfer').send({ destination: alice.walletId, amount: '1.00' }).expect(403);
      const clawed = await reverse(paid.transfer_id, { amount: '20.00', reason: 'claw-back: fraud confirmed' }).expect(200);
      expect(clawed.body.data).toMatchObject({ amount: '20.00', remaining: '10.00', reason: 'claw-back: fraud confirmed' });
      await admin.agent.post(`/v1/admin/wallets/${alice.walletId}/freeze`).send({}).expect(200);
      await reverse(paid.transfer_id).expect(200);
      expect(await balanceOf(alice)).toBe('40.00');
      expect(await balanceOf(bob)).toBe('0.00');
      const log = (await admin.agent.get('/v1/admin/actions?limit=3').expect(200)).body.data;
      expect(log[2]).toMatchObject({
        action: 'REVERSAL',
        target: paid.transfer_id,
        reason: 'claw-back: fraud confirmed',
        amount: '20.00',
        entry_id: clawed.body.data.id,
      });
      expect(log[1]).toMatchObject({ action: 'FREEZE', target: alice.walletId, amount: null, entry_id: null });
      await ctx.expectLedgerInvariants();
    });

    it('documents the reversal in the OpenAPI document: the amount field, the answer fields, the 400 and 409 reasons', async () => {
      const document = buildOpenApiDocument(ctx.app) as unknown as {
        paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: { $ref: string } }> }; responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
      };
      const route = document.paths['/v1/admin/transfers/{transferId}/reversal'].post;
      const schemaOf = (ref: string) => document.components.schemas[ref.replace('#/components/schemas/', '')];
      const body = schemaOf(route.requestBody.content['application/json'].schema.$ref);
      expect(Object.keys(body.properties).sort()).toEqual(['amount', 'reason']);
      expect(Object.keys(document.components.schemas.ReversalResponse.properties)).toEqual(
        expect.arrayContaining(['amount', 'reversed_amount', 'remaining']),
      );
      expect(Object.keys(document.components.schemas.OperationResponse.properties)).toEqual(
        expect.arrayContaining(['reverses', 'reversed_amount']),
      );
      expect(Object.keys(document.components.schemas.AdminActionResponse.properties)).toEqual(
        expect.arrayContaining(['amount', 'entry_id']),
      );
      expect(document.components.schemas.ErrorDto.properties.reason.enum).toEqual(
        expect.arrayContaining(['REVERSAL_EXCEEDS_REMAINING', 'ALREADY_REVERSED', 'NOT_REVERSIBLE', 'INSUFFICIENT_FUNDS']),
      );
      const conflict = JSON.stringify(route.responses['409']);
      for (const reason of ['REVERSAL_EXCEEDS_REMAINING', 'ALREADY_REVERSED', 'NOT_REVERSIBLE']) expect(conflict).toContain(reason);
      expect(JSON.stringify(route.responses['400'])).toContain("the reversal needs");
    });

    it('shows on every operation what it reverses and how much of its entry was reversed, to users and admins', async () => {
      const alice = await ctx.fundedUser('30.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '12.00');
      const fresh = (await alice.agent.get('/v1/wallets/operations').expect(200)).body.data;
      expect(fresh.map((op: { reverses: string; reversed_amount: string }) => [op.reverses, op.reversed_amount])).toEqual([
        [null, null],
        [null, null],
      ]);
      const first = (await reverse(paid.transfer_id, { amount: '2.00' }).expect(200)).body.data;
      const second = (await reverse(paid.transfer_id, { amount: '3.00' }).expect(200)).body.data;
      const view = (op: { type: string; transfer_id: string; amount: string; reverses: string; reversed_amount: string }) => [
        op.type,
        op.transfer_id,
        op.amount,
        op.reverses,
        op.reversed_amount,
      ];
      const deposit = fresh[1].transfer_id;
      const alices = [
        ['REVERSAL', second.id, '3.00', paid.transfer_id, null],
        ['REVERSAL', first.id, '2.00', paid.transfer_id, null],
        ['TRANSFER', paid.transfer_id, '-12.00', null, '5.00'],
        ['DEPOSIT', deposit, '30.00', null, null],
      ];
      expect((await alice.agent.get('/v1/wallets/operations').expect(200)).body.data.map(view)).toEqual(alices);
      expect((await admin.agent.get(`/v1/admin/wallets/${alice.walletId}/operations`).expect(200)).body.data.map(view)).toEqual(alices);
      // Both legs of the reversed entry carry it; paged with a cursor too.
      const page1 = (await bob.agent.get('/v1/wallets/operations?order=asc&limit=1').expect(200)).body;
      expect(page1.data.map(view)).toEqual([['TRANSFER', paid.transfer_id, '12.00', null, '5.00']]);
      const page2 = (await bob.agent.get(`/v1/wallets/operations?order=asc&limit=5&cursor=${page1.meta.next_cursor}`).expect(200)).body;
      expect(page2.data.map(view)).toEqual([
        ['REVERSAL', first.id, '-2.00', paid.transfer_id, null],
        ['REVERSAL', second.id, '-3.00', paid.transfer_id, null],
      ]);
      // The answers of a transfer and a deposit carry the fields too.
      const sent = await ctx.transfer(bob, alice.walletId, '1.00');
      expect(sent).toMatchObject({ reverses: null, reversed_amount: null });
      expect(await ctx.deposit(bob, '1.00')).toMatchObject({ reverses: null, reversed_amount: null });
    });
  });

  describe('freezes', () => {
    const freeze = (walletId: string, body: object = {}) =>
      admin.agent.post(`/v1/admin/wallets/${walletId}/freeze`).send(body);
    const unfreeze = (walletId: string, body: object = {}) =>
      admin.agent.post(`/v1/admin/wallets/${walletId}/unfreeze`).send(body);
    const answerOf = async (test: request.Test) => {
      const { status, body } = await test;
      return { status, body };
    };
    const walletFrozen = (message: string, target = '__all__') => ({
      status: 403,
      body: { status: { success: false, errors: [{ code: 'FORBIDDEN', message, target, reason: 'WALLET_FROZEN' }] }, data: null },
    });

    it('stops a frozen wallet from sending, receiving, holding and capturing, until it is unfrozen', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.fundedUser('10.00');
      const hold = await placeHold(alice, bob.walletId, '5.00');
      const frozen = await freeze(alice.walletId, { reason: 'card reported stolen' }).expect(200);
      expect(frozen.body.data).toEqual({
        id: alice.walletId,
        user_id: alice.id,
        username: alice.username,
        kind: 'USER',
        balance: '100.00',
        available: '95.00',
        frozen: true,
        frozen_at: expect.any(String),
        frozen_reason: 'card reported stolen',
        frozen_by: admin.username,
        last_sequence: 1,
      });
      // The owner is told what happened and what to do; a payer, that the destination cannot receive. The
      // target is the field that named the wallet, `__all__` when none did.
      const send = alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '1.00' });
      expect(await answerOf(send)).toEqual(walletFrozen(YOURS_FROZEN));
      const receive = bob.agent.post('/v1/wallets/transfer').send({ destination: alice.walletId, amount: '1.00' });
      expect(await answerOf(receive)).toEqual(walletFrozen(DESTINATION_FROZEN, 'destination'));
      // A deposit has no destination field: it credits the caller's own wallet.
      const deposit = alice.agent.post('/v1/wallets/deposit').send({ amount: '1.00' });
      expect(await answerOf(deposit)).toEqual(walletFrozen(YOURS_FROZEN));
      const holdOut = alice.agent.post('/v1/wallets/holds').send({ destination: bob.walletId, amount: '1.00' });
      expect(await answerOf(holdOut)).toEqual(walletFrozen(YOURS_FROZEN));
      const holdIn = bob.agent.post('/v1/wallets/holds').send({ destination: alice.walletId, amount: '1.00' });
      expect(await answerOf(holdIn)).toEqual(walletFrozen(DESTINATION_FROZEN, 'destination'));
      const capture = alice.agent.post(`/v1/holds/${hold.id}/capture`).send({});
      expect(await answerOf(capture)).toEqual(walletFrozen(YOURS_FROZEN));
      expect(await balanceOf(alice)).toBe('100.00');
      expect(await balanceOf(bob)).toBe('10.00');
      expectError(await freeze(alice.walletId), 409, 'CONFLICT', 'Wallet is already frozen.');

      await unfreeze(alice.walletId, { reason: 'card found' }).expect(200);
      expectError(await unfreeze(alice.walletId), 409, 'CONFLICT', 'Wallet is not frozen.');
      await alice.agent.post(`/v1/holds/${hold.id}/capture`).send({}).expect(200);
      await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '1.00' }).expect(200);
      expect(await balanceOf(bob)).toBe('16.00');
      const log = (await admin.agent.get('/v1/admin/actions?limit=2').expect(200)).body.data;
      expect(log.map((line: { action: string; target: string; reason: string }) => [line.action, line.target, line.reason])).toEqual([
        ['UNFREEZE', alice.walletId, 'card found'],
        ['FREEZE', alice.walletId, 'card reported stolen'],
      ]);
      await ctx.expectLedgerInvariants();
    });

    it('lets a frozen payer void its hold (nothing moves) and blocks capturing a hold to a frozen wallet', async () => {
      const alice = await ctx.fundedUser('20.00');
      const bob = await ctx.registerUser();
      const first = await placeHold(alice, bob.walletId, '5.00');
      const second = await placeHold(alice, bob.walletId, '5.00');
      await freeze(bob.walletId).expect(200);
      // A capture's body names no destination: the hold does.
      expect(await answerOf(alice.agent.post(`/v1/holds/${first.id}/capture`).send({}))).toEqual(
        walletFrozen(DESTINATION_FROZEN),
      );
      await freeze(alice.walletId).expect(200);
      await alice.agent.post(`/v1/holds/${second.id}/void`).expect(200);
      await unfreeze(bob.walletId).expect(200);
      await unfreeze(alice.walletId).expect(200);
      await alice.agent.post(`/v1/holds/${first.id}/capture`).send({}).expect(200);
      expect(await balanceOf(bob)).toBe('5.00');
    });

    it('lets an admin reverse a transfer while either wallet is frozen (a claw-back); the users stay blocked', async () => {
      const alice = await ctx.fundedUser('20.00');
      const bob = await ctx.registerUser();
      const sent = await ctx.transfer(alice, bob.walletId, '5.00');
      await freeze(alice.walletId).expect(200);
      await freeze(bob.walletId).expect(200);
      const send = bob.agent.post('/v1/wallets/transfer').send({ destination: alice.walletId, amount: '1.00' });
      expect(await answerOf(send)).toEqual(
        walletFrozen('Your wallet is frozen: it cannot send or receive money. Contact support to have it reviewed.'),
      );
      await reverse(sent.transfer_id, { amount: '2.00' }).expect(200);
      await unfreeze(bob.walletId).expect(200);
      await reverse(sent.transfer_id).expect(200);
      expect(await balanceOf(alice)).toBe('20.00');
      expect(await balanceOf(bob)).toBe('0.00');
    });

    it('refuses the funding wallet (422), unknown wallets (404) and answers the same wallet to GET', async () => {
      expectError(await freeze(FUNDING_WALLET_ID), 422, 'UNPROCESSABLE_ENTITY', 'The system funding wallet cannot be frozen.');
      expectError(await freeze(randomUUID()), 404, 'NOT_FOUND', 'Wallet does not exist.');
      expectError(await freeze('nope'), 404, 'NOT_FOUND', 'Wallet does not exist.');
      const user = await ctx.fundedUser('1.00');
      const read = await admin.agent.get(`/v1/admin/wallets/${user.walletId}`).expect(200);
      expect(read.body.data).toMatchObject({ id: user.walletId, frozen: false, frozen_at: null, balance: '1.00' });
    });

    it('lets no money move after the freeze committed, while a storm of transfers races it', async () => {
      const payer = await ctx.fundedUser('1000.00');
      const payees = await Promise.all(Array.from({ length: 4 }, () => ctx.registerUser()));
      const storm = Array.from({ length: 60 }, (_, i) =>
        payer.agent.post('/v1/wallets/transfer').send({ destination: payees[i % payees.length].walletId, amount: '1.00' }),
      );
      const frozen = freeze(payer.walletId).then((response) => {
        expect(response.status).toBe(200);
        return response.body.data.frozen_at as string;
      });
      const [answers, frozenAt] = await Promise.all([Promise.all(storm), frozen]);
      // After the freeze answered, nothing more moves.
      const late = await Promise.all(
        payees.map((payee) => payer.agent.post('/v1/wallets/transfer').send({ destination: payee.walletId, amount: '1.00' })),
      );
      expect(late.map((answer) => answer.status)).toEqual([403, 403, 403, 403]);

      const statuses = answers.map((answer) => answer.status);
      expect(statuses.every((status) => status === 200 || status === 403)).toBe(true);
      const moved = statuses.filter((status) => status === 200).length;
      // Every accepted transfer is in the ledger, and every one of them was posted before the freeze took the lock.
      const { rows } = await ctx.db.query<{ n: number; latest: Date | null }>(
        `select count(*)::int as n, max("timestamp") as latest from operations where wallet_id = $1 and type = 'TRANSFER'`,
        [payer.walletId],
      );
      expect(rows[0].n).toBe(moved);
      if (rows[0].latest) expect(rows[0].latest.getTime()).toBeLessThanOrEqual(new Date(frozenAt).getTime());
      expect(await balanceOf(payer)).toBe(`${1000 - moved}.00`);
      await ctx.expectLedgerInvariants();
    });

    describe('with an Idempotency-Key', () => {
      const keyed = (path: 'freeze' | 'unfreeze', walletId: string, key: string, body: object = {}) =>
        admin.agent.post(`/v1/admin/wallets/${walletId}/${path}`).set('Idempotency-Key', key).send(body);
      /** The wallet's lines in the action log, oldest first: "FREEZE reason". */
      const logged = async (walletId: string) => {
        const { rows } = await ctx.db.query<{ line: string }>(
          `select action || ' ' || coalesce(reason, '-') as line from admin_actions where target = $1 order by created_at, id`,
          [walletId],
        );
        return rows.map((row) => row.line);
      };
      const frozenNow = async (walletId: string) =>
        (await admin.agent.get(`/v1/admin/wallets/${walletId}`).expect(200)).body.data.frozen as boolean;

      it('replays a freeze sent again with its key: the first answer, even after an unfreeze, and one FREEZE line', async () => {
        const user = await ctx.fundedUser('1.00');
        const key = `freeze-${randomUUID()}`;
        const first = await keyed('freeze', user.walletId, key, { reason: 'chargeback' }).expect(200);
        expect(first.body.data).toMatchObject({ id: user.walletId, frozen: true });
        expect(first.headers['idempotent-replayed']).toBeUndefined();
        await unfreeze(user.walletId, { reason: 'cleared' }).expect(200);

        const again = await keyed('freeze', user.walletId, key, { reason: 'chargeback' }).expect(200);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.body).toEqual(first.body);
        expect(await frozenNow(user.walletId)).toBe(false);
        expect(await logged(user.walletId)).toEqual(['FREEZE chargeback', 'UNFREEZE cleared']);
        const stored = await ctx.db.query<{ response_status: number }>(
          `select response_status from idempotency_keys where user_id = $1 and key = $2`,
          [admin.id, key],
        );
        expect(stored.rows).toEqual([{ response_status: 200 }]);
      });

      it('replays an unfreeze sent again with its key, logging one UNFREEZE line', async () => {
        const user = await ctx.fundedUser('1.00');
        await freeze(user.walletId, { reason: 'check' }).expect(200);
        const key = `unfreeze-${randomUUID()}`;
        const first = await keyed('unfreeze', user.walletId, key, { reason: 'ok' }).expect(200);
        const again = await keyed('unfreeze', user.walletId, key, { reason: 'ok' }).expect(200);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.body).toEqual(first.body);
        expect(await logged(user.walletId)).toEqual(['FREEZE check', 'UNFREEZE ok']);
      });

      it('answers 422 IDEMPOTENCY_KEY_REUSED to the same key with another body or on the other route, changing nothing', async () => {
        const user = await ctx.fundedUser('1.00');
        const key = `freeze-${randomUUID()}`;
        await keyed('freeze', user.walletId, key, { reason: 'first' }).expect(200);
        const reused = {
          status: 422,
          body: {
            status: {
              success: false,
              errors: [
                {
                  code: 'UNPROCESSABLE_ENTITY',
                  message: 'This Idempotency-Key was already used with a different request.',
                  target: 'Idempotency-Key',
                  reason: 'IDEMPOTENCY_KEY_REUSED',
                },
              ],
            },
            data: null,
          },
        };
        expect(await answerOf(keyed('freeze', user.walletId, key, { reason: 'second' }))).toEqual(reused);
        expect(await answerOf(keyed('unfreeze', user.walletId, key, { reason: 'first' }))).toEqual(reused);
        expect(await frozenNow(user.walletId)).toBe(true);
        expect(await logged(user.walletId)).toEqual(['FREEZE first']);
      });

      it('freezes once when the same keyed freeze arrives many times at once: one FREEZE line, every answer the first', async () => {
        const user = await ctx.fundedUser('1.00');
        const key = `freeze-${randomUUID()}`;
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => keyed('freeze', user.walletId, key, { reason: 'race' })),
        );
        expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
        expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
        expect(answers.filter((answer) => answer.headers['idempotent-replayed'] === 'true')).toHaveLength(7);
        expect(await logged(user.walletId)).toEqual(['FREEZE race']);
      });

      it('keeps the key of a refusal as a payment does: a 404 is recorded and replayed, a 409 leaves the key free', async () => {
        const missing = randomUUID();
        const key404 = `freeze-${randomUUID()}`;
        const notFound = await answerOf(keyed('freeze', missing, key404, {}));
        expect(notFound.status).toBe(404);
        const replayed = await keyed('freeze', missing, key404, {});
        expect({ status: replayed.status, body: replayed.body }).toEqual(notFound);
        expect(replayed.headers['idempotent-replayed']).toBe('true');

        const user = await ctx.fundedUser('1.00');
        await freeze(user.walletId, { reason: 'before' }).expect(200);
        const key409 = `freeze-${randomUUID()}`;
        const conflict = await keyed('freeze', user.walletId, key409, { reason: 'again' });
        expectError(conflict, 409, 'CONFLICT', 'Wallet is already frozen.');
        expect(conflict.headers['idempotent-replayed']).toBeUndefined();
        await unfreeze(user.walletId, { reason: 'between' }).expect(200);
        // Nothing was recorded under the key: sent again, the freeze runs now.
        const ran = await keyed('freeze', user.walletId, key409, { reason: 'again' }).expect(200);
        expect(ran.headers['idempotent-replayed']).toBeUndefined();
        expect(await logged(user.walletId)).toEqual(['FREEZE before', 'UNFREEZE between', 'FREEZE again']);
      });
    });
  });

  describe('reads for operators', () => {
    it('finds users by username prefix, keyset paged, with their wallets and balances', async () => {
      const prefix = `find-${randomUUID().slice(0, 6)}-`;
      const users = [];
      for (const name of ['c', 'a', 'b', 'd', 'e']) {
        users.push(await ctx.registerUser({ username: `${prefix}${name}` }));
      }
      await users[1].agent.post('/v1/wallets/deposit').send({ amount: '12.50' }).expect(200);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: Record<string, string | number> = { query: prefix, limit: 2, ...(cursor ? { cursor } : {}) };
        const page = await admin.agent.get('/v1/admin/users').query(query).expect(200);
        seen.push(...page.body.data.map((user: { username: string }) => user.username));
        cursor = page.body.meta.next_cursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e'].map((name) => `${prefix}${name}`));
      expect(pages).toBe(3);
      const first = (await admin.agent.get('/v1/admin/users').query({ query: `${prefix}a` }).expect(200)).body.data;
      expect(first).toEqual([
        {
          id: users[1].id,
          username: `${prefix}a`,
          role: 'user',
          created_at: expect.any(String),
          wallet: { id: users[1].walletId, balance: '12.50', available: '12.50', frozen: false },
        },
      ]);
      // LIKE wildcards in the query are taken literally.
      expect((await admin.agent.get('/v1/admin/users').query({ query: `${prefix}%` }).expect(200)).body.data).toEqual([]);
    });

    it("pages any wallet's operations with receipts, like the user route", async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      await ctx.transfer(alice, bob.walletId, '2.50');
      await ctx.transfer(alice, bob.walletId, '1.25');
      const page = await admin.agent.get(`/v1/admin/wallets/${alice.walletId}/operations?order=asc&limit=2`).expect(200);
      expect(page.body.data.map((op: { sequence: number; balance_after: string }) => [op.sequence, op.balance_after])).toEqual([
        [1, '10.00'],
        [2, '7.50'],
      ]);
      const next = await admin.agent
        .get(`/v1/admin/wallets/${alice.walletId}/operations`)
        .query({ order: 'asc', limit: 2, cursor: page.body.meta.next_cursor })
        .expect(200);
      expect(next.body.data.map((op: { sequence: number }) => op.sequence)).toEqual([3]);
      expect(next.body.meta.next_cursor).toBeNull();
      const own = (await alice.agent.get('/v1/wallets/operations?order=asc').expect(200)).body.data;
      // The user route's fields, and the parties' usernames beside them.
      const named = [...page.body.data, ...next.body.data];
      expect(named.map(({ source_username, destination_username, ...rest }) => rest)).toEqual(own);
      expect(named.map((op) => [op.source_username, op.destination_username])).toEqual([
        [null, alice.username],
        [alice.username, bob.username],
        [alice.username, bob.username],
      ]);
      expectError(await admin.agent.get(`/v1/admin/wallets/${randomUUID()}/operations`), 404, 'NOT_FOUND', 'Wallet does not exist.');
      expectError(
        await admin.agent.get(`/v1/admin/wallets/${FUNDING_WALLET_ID}/operations`),
        422,
        'UNPROCESSABLE_ENTITY',
        /keeps no sequence/,
      );
    });

    it('pages the action log newest first', async () => {
      const user = await ctx.fundedUser('1.00');
      for (let i = 0; i < 3; i++) {
        await admin.agent.post(`/v1/admin/wallets/${user.walletId}/freeze`).send({ reason: `round ${i}` }).expect(200);
        await admin.agent.post(`/v1/admin/wallets/${user.walletId}/unfreeze`).send({ reason: `round ${i}` }).expect(200);
      }
      const first = await admin.agent.get('/v1/admin/actions?limit=4').expect(200);
      const second = await admin.agent.get('/v1/admin/actions').query({ limit: 2, cursor: first.body.meta.next_cursor }).expect(200);
      const lines = [...first.body.data, ...second.body.data].map((line: { action: string; reason: string }) => `${line.action} ${line.reason}`);
      expect(lines).toEqual([
        'UNFREEZE round 2',
        'FREEZE round 2',
        'UNFREEZE round 1',
        'FREEZE round 1',
        'UNFREEZE round 0',
        'FREEZE round 0',
      ]);
      expectError(await admin.agent.get('/v1/admin/actions?cursor=zzz'), 422, 'UNPROCESSABLE_ENTITY', 'Not a valid cursor.');
    });

    it('refuses a crafted action-log cursor with 422 on `cursor`: a moment outside the years 1 to 9999, an id not a UUID', async () => {
      // Built as the codec builds them: {t: milliseconds since 1970, i: the line's id}.
      const id = randomUUID();
      const utc = (year: number) => new Date(0).setUTCFullYear(year, 0, 1);
      const crafted = [
        { t: 8.64e15 + 1, i: id }, // one past the last moment a JavaScript Date holds (year 275760): was a 500
        { t: utc(300000), i: id }, // year 300000: not even a safe integer of milliseconds
        { t: utc(10000), i: id }, // a Date, but "+010000-…" is no timestamp PostgreSQL reads: was a 500
        { t: utc(0), i: id }, // year 0 does not exist in PostgreSQL: was a 500
        { t: 1.5, i: id },
        { t: '2026-01-01T00:00:00Z', i: id },
        { t: 0, i: '-'.repeat(36) }, // 36 characters of [0-9a-f-], but no UUID: was a 500 (22P02)
        { t: 0, i: 'not-a-uuid' },
        { t: 0 },
      ];
      for (const position of crafted) {
        const answer = await admin.agent.get('/v1/admin/actions').query({ cursor: encodeCursor(position as Record<string, string | number>) });
        expect({ position, status: answer.status, body: answer.body }).toEqual({
          position,
          status: 422,
          body: {
            status: {
              success: false,
              errors: [{ code: 'UNPROCESSABLE_ENTITY', message: 'Not a valid cursor.', target: 'cursor', reason: 'REQUEST_VALIDATION_FAILED' }],
            },
            data: null,
          },
        });
      }
      // The edges of the range, and an id in upper case, are positions like any other.
      const last = new Date(0).setUTCFullYear(9999, 11, 31) + 86_400_000 - 1;
      const newest = await admin.agent.get('/v1/admin/actions').expect(200);
      const fromTheEnd = await admin.agent.get('/v1/admin/actions').query({ cursor: encodeCursor({ t: last, i: id.toUpperCase() }) }).expect(200);
      expect(fromTheEnd.body.data).toEqual(newest.body.data);
      const fromTheStart = await admin.agent.get('/v1/admin/actions').query({ cursor: encodeCursor({ t: utc(1), i: id }) }).expect(200);
      expect(fromTheStart.body.data).toEqual([]);
    });

    it('keeps the action log append-only', async () => {
      await ctx.db.query('begin');
      try {
        await expect(ctx.db.query(`delete from admin_actions`)).rejects.toMatchObject({ code: 'P0001' });
      } finally {
        await ctx.db.query('rollback');
      }
    });
  });
});
