import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  useTestContext,
  expectAnswer,
  fundsOf,
  operationsOf,
  placeHold,
  type HoldJson,
  type OperationJson,
  type RegisteredUser,
  money,
  failure,
  UNAUTHORIZED,
  INSUFFICIENT_FUNDS,
  DESTINATION_MISSING,
  OWN_WALLET,
  KEY_REUSED,
} from '@app/testing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MISSING = 'Missing data for required field.';
const MAX_HOLD_SECONDS = 2_592_000;

const HOLD_MISSING = failure(404, 'NOT_FOUND', 'HOLD_NOT_FOUND', 'Hold does not exist.');
const NOT_THE_PAYER = failure(
  403,
  'FORBIDDEN',
  'HOLD_FORBIDDEN',
  'Only the owner of the paying wallet may capture or void this hold.',
);
const ALREADY_CAPTURED = failure(409, 'CONFLICT', 'HOLD_ALREADY_RESOLVED', 'Hold was already captured.');
const ALREADY_VOIDED = failure(409, 'CONFLICT', 'HOLD_ALREADY_RESOLVED', 'Hold was already voided.');
const EXPIRED = failure(409, 'CONFLICT', 'HOLD_EXPIRED', 'Hold has expired.');
const EXCEEDS_HOLD = failure(
  422,
  'UNPROCESSABLE_ENTITY',
  'CAPTURE_EXCEEDS_HOLD',
  'Must not exceed the held amount.',
  'amount',
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Contract part B, "Holds (two-phase transfers)": a hold reserves money
 * (available = balance − active holds); capture posts an ordinary TRANSFER
 * for all or part of it, void releases it; each at most once, by the payer
 * only; an expired hold reserves nothing and can no longer be used.
 */
describe('holds (contract part B)', () => {
  const ctx = useTestContext({ listen: true });

  function hold(user: RegisteredUser, body: object) {
    return user.agent.post('/v1/wallets/holds').send(body);
  }

  function capture(user: RegisteredUser, id: string, body: object = {}) {
    return user.agent.post(`/v1/holds/${id}/capture`).send(body);
  }

  function voidHold(user: RegisteredUser, id: string) {
    return user.agent.post(`/v1/holds/${id}/void`).send({});
  }

  /** Funds and operations of each user, to prove that something moved nothing. */
  async function snapshot(
    ...users: RegisteredUser[]
  ): Promise<Array<{ balance: string; available: string; operations: OperationJson[] }>> {
    return Promise.all(users.map(async (user) => ({ ...(await fundsOf(user)), operations: await operationsOf(user) })));
  }

  /** The hold rows of a paying wallet, as stored. */
  async function storedHolds(walletId: string) {
    const { rows } = await ctx.db.query<{
      id: string;
      status: string;
      amount: string;
      captured_amount: string | null;
      transfer_id: string | null;
      resolved: boolean;
    }>(
      `select id, status, amount::text, captured_amount::text, transfer_id, resolved_at is not null as resolved
         from holds where source_wallet_id = $1 order by created_at, id`,
      [walletId],
    );
    return rows;
  }

  /** The legs of a journal entry, as stored: wallet id → amount. */
  async function legsOf(transferId: string): Promise<Record<string, { amount: string; type: string }>> {
    const { rows } = await ctx.db.query<{ wallet_id: string; amount: string; type: string }>(
      `select wallet_id, amount::text, type from operations where transfer_id = $1`,
      [transferId],
    );
    return Object.fromEntries(rows.map((row) => [row.wallet_id, { amount: row.amount, type: row.type }]));
  }

  describe('POST /v1/wallets/holds', () => {
    it('returns the PENDING hold and lowers available, not the balance; nothing is posted', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const before = await snapshot(alice, bob);

      const response = await hold(alice, { destination: bob.walletId, amount: '30.25', expires_in_seconds: 600 });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: { success: true, errors: [] },
        data: {
          id: expect.stringMatching(UUID),
          source_wallet_id: alice.walletId,
          destination_wallet_id: bob.walletId,
          amount: '30.25',
          status: 'PENDING',
          expires_at: expect.stringMatching(ISO_UTC_MS),
          captured_amount: null,
          transfer_id: null,
          created_at: expect.stringMatching(ISO_UTC_MS),
        },
      });
      const placed: HoldJson = response.body.data;
      // expires_in_seconds counts from the moment the hold was placed (PostgreSQL's clock).
      const lifetime = Date.parse(placed.expires_at) - Date.parse(placed.created_at);
      expect(lifetime).toBeLessThanOrEqual(600_000);
      expect(lifetime).toBeGreaterThan(590_000);

      expect(await snapshot(alice, bob)).toEqual([
        { ...before[0], balance: '100.00', available: '69.75' },
        { ...before[1], balance: '0.00', available: '0.00' },
      ]);
      expect(await storedHolds(alice.walletId)).toEqual([
        {
          id: placed.id,
          status: 'PENDING',
          amount: '30.25',
          captured_amount: null,
          transfer_id: null,
          resolved: false,
        },
      ]);
    });

    it('expires after 24 hours by default', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '1.00');
      const lifetime = Date.parse(placed.expires_at) - Date.parse(placed.created_at);
      expect(lifetime).toBeLessThanOrEqual(86_400_000);
      expect(lifetime).toBeGreaterThan(86_390_000);
    });

    it('accepts expires_in_seconds at both ends of 1..2592000', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const longest = await placeHold(alice, bob.walletId, '1.00', MAX_HOLD_SECONDS);
      const lifetime = Date.parse(longest.expires_at) - Date.parse(longest.created_at);
      expect(lifetime).toBeLessThanOrEqual(MAX_HOLD_SECONDS * 1000);
      expect(lifetime).toBeGreaterThan((MAX_HOLD_SECONDS - 10) * 1000);
      await placeHold(alice, bob.walletId, '1.00', 1);
    });

    it('subtracts every active hold from available, to the cent', async () => {
      const alice = await ctx.fundedUser('10.00');
      const [bob, carol] = await Promise.all([ctx.registerUser(), ctx.registerUser()]);
      await placeHold(alice, bob.walletId, '0.10');
      await placeHold(alice, carol.walletId, '0.20');
      await placeHold(alice, bob.walletId, '3.33');
      expect(await fundsOf(alice)).toEqual({ balance: '10.00', available: '6.37' });
      // The destination's own funds are untouched until capture.
      expect(await fundsOf(bob)).toEqual({ balance: '0.00', available: '0.00' });
    });

    it('checks transfers against available: 400 above it, 200 up to it', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      await placeHold(alice, bob.walletId, '60.00');
      const before = await snapshot(alice, bob);

      await expectAnswer(
        alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '40.01' }),
        INSUFFICIENT_FUNDS,
      );
      expect(await snapshot(alice, bob)).toEqual(before);

      await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '40.00' }).expect(200);
      expect(await fundsOf(alice)).toEqual({ balance: '60.00', available: '0.00' });
      await expectAnswer(
        alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '0.01' }),
        INSUFFICIENT_FUNDS,
      );
    });

    it('checks new holds against available: 400 above it, 200 up to it', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      await placeHold(alice, bob.walletId, '7.00');
      await expectAnswer(hold(alice, { destination: bob.walletId, amount: '3.01' }), INSUFFICIENT_FUNDS);
      expect((await storedHolds(alice.walletId)).length).toBe(1);
      await placeHold(alice, bob.walletId, '3.00');
      expect(await fundsOf(alice)).toEqual({ balance: '10.00', available: '0.00' });
      await expectAnswer(hold(alice, { destination: bob.walletId, amount: '0.01' }), INSUFFICIENT_FUNDS);
      expect((await storedHolds(alice.walletId)).length).toBe(2);
    });

    describe('refusals, in the transfer order, reserving nothing', () => {
      it('answers 401 without a session', async () => {
        const bob = await ctx.registerUser();
        await expectAnswer(
          request(ctx.server).post('/v1/wallets/holds').send({ destination: bob.walletId, amount: '1.00' }),
          UNAUTHORIZED,
        );
      });

      it.each<[unknown]>([['not-a-uuid'], ['1bb41739-afb5-41c5-aaee-b344f7066bf'], [''], [42]])(
        'rejects destination %p with 422 "Not a valid UUID."',
        async (destination) => {
          const alice = await ctx.fundedUser('10.00');
          await expectAnswer(
            hold(alice, { destination, amount: '1.00' }),
            failure(422, 'UNPROCESSABLE_ENTITY', 'REQUEST_VALIDATION_FAILED', 'Not a valid UUID.', 'destination'),
          );
          expect(await fundsOf(alice)).toEqual({ balance: '10.00', available: '10.00' });
          expect(await storedHolds(alice.walletId)).toEqual([]);
        },
      );

      it('rejects a missing destination with 422', async () => {
        const alice = await ctx.fundedUser('10.00');
        await expectAnswer(
          hold(alice, { amount: '1.00' }),
          failure(422, 'UNPROCESSABLE_ENTITY', 'REQUEST_VALIDATION_FAILED', MISSING, 'destination'),
        );
      });

      it.each<[unknown, string]>([
        ['string', 'Not a valid number.'],
        ['-5.00', 'Must be greater than or equal to 0.01.'],
        ['0', 'Must be greater than or equal to 0.01.'],
        ['1.001', 'Must have at most 2 decimal places.'],
        [undefined, MISSING],
      ])('rejects amount %p with 422 target amount', async (amount, message) => {
        const alice = await ctx.fundedUser('10.00');
        const bob = await ctx.registerUser();
        await expectAnswer(
          hold(alice, { destination: bob.walletId, amount }),
          failure(422, 'UNPROCESSABLE_ENTITY', 'REQUEST_VALIDATION_FAILED', message, 'amount'),
        );
        expect(await fundsOf(alice)).toEqual({ balance: '10.00', available: '10.00' });
        expect(await storedHolds(alice.walletId)).toEqual([]);
      });

      it.each<[unknown, string]>([
        [0, 'Must be greater than or equal to 1 and less than or equal to 2592000.'],
        [-1, 'Must be greater than or equal to 1 and less than or equal to 2592000.'],
        [MAX_HOLD_SECONDS + 1, 'Must be greater than or equal to 1 and less than or equal to 2592000.'],
        ['abc', 'Not a valid integer.'],
        [1.5, 'Not a valid integer.'],
        [true, 'Not a valid integer.'],
      ])('rejects expires_in_seconds %p with 422 target expires_in_seconds', async (expiresIn, message) => {
        const alice = await ctx.fundedUser('10.00');
        const bob = await ctx.registerUser();
        await expectAnswer(
          hold(alice, { destination: bob.walletId, amount: '1.00', expires_in_seconds: expiresIn }),
          failure(422, 'UNPROCESSABLE_ENTITY', 'REQUEST_VALIDATION_FAILED', message, 'expires_in_seconds'),
        );
        expect(await storedHolds(alice.walletId)).toEqual([]);
      });

      it("rejects a hold on the caller's own wallet with 422 target destination, before the funds", async () => {
        const alice = await ctx.registerUser();
        await expectAnswer(hold(alice, { destination: alice.walletId, amount: '1.00' }), OWN_WALLET);
        await expectAnswer(hold(alice, { destination: alice.walletId.toUpperCase(), amount: '1.00' }), OWN_WALLET);
        expect(await storedHolds(alice.walletId)).toEqual([]);
      });

      it('checks the funds (400) before the destination (404)', async () => {
        const alice = await ctx.fundedUser('10.00');
        await expectAnswer(hold(alice, { destination: randomUUID(), amount: '10.01' }), INSUFFICIENT_FUNDS);
        await expectAnswer(hold(alice, { destination: randomUUID(), amount: '10.00' }), DESTINATION_MISSING);
        expect(await fundsOf(alice)).toEqual({ balance: '10.00', available: '10.00' });
        expect(await storedHolds(alice.walletId)).toEqual([]);
      });
    });
  });

  describe('POST /v1/holds/{id}/capture', () => {
    it('captures the whole hold by default: one TRANSFER entry, payer −, payee +, balances exact', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '30.25');

      const response = await capture(alice, placed.id);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: { success: true, errors: [] },
        data: {
          ...placed,
          status: 'CAPTURED',
          captured_amount: '30.25',
          transfer_id: expect.stringMatching(UUID),
        },
      });
      const captured: HoldJson = response.body.data;

      const [debit] = await operationsOf(alice);
      const bobOps = await operationsOf(bob);
      expect(debit).toEqual({
        id: expect.stringMatching(UUID),
        transfer_id: captured.transfer_id,
        wallet_id: alice.walletId,
        source_wallet_id: alice.walletId,
        destination_wallet_id: bob.walletId,
        type: 'TRANSFER',
        amount: '-30.25',
        timestamp: expect.stringMatching(ISO_UTC_MS),
        sequence: 2,
        balance_after: '69.75',
        reverses: null,
        reversed_amount: null,
      });
      expect(bobOps).toEqual([
        {
          ...debit,
          id: expect.stringMatching(UUID),
          wallet_id: bob.walletId,
          amount: '30.25',
          sequence: 1,
          balance_after: '30.25',
          reverses: null,
          reversed_amount: null,
        },
      ]);
      expect(await legsOf(captured.transfer_id!)).toEqual({
        [alice.walletId]: { amount: '-30.25', type: 'TRANSFER' },
        [bob.walletId]: { amount: '30.25', type: 'TRANSFER' },
      });
      expect(await fundsOf(alice)).toEqual({ balance: '69.75', available: '69.75' });
      expect(await fundsOf(bob)).toEqual({ balance: '30.25', available: '30.25' });
      expect(await storedHolds(alice.walletId)).toEqual([
        {
          id: placed.id,
          status: 'CAPTURED',
          amount: '30.25',
          captured_amount: '30.25',
          transfer_id: captured.transfer_id,
          resolved: true,
        },
      ]);
    });

    it('captures part of a hold and releases the rest: available equals balance again', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '30.00');

      const response = await capture(alice, placed.id, { amount: '12.34' }).expect(200);
      expect(response.body.data).toEqual({
        ...placed,
        status: 'CAPTURED',
        captured_amount: '12.34',
        transfer_id: expect.stringMatching(UUID),
      });
      expect(await legsOf(response.body.data.transfer_id)).toEqual({
        [alice.walletId]: { amount: '-12.34', type: 'TRANSFER' },
        [bob.walletId]: { amount: '12.34', type: 'TRANSFER' },
      });
      expect(await fundsOf(alice)).toEqual({ balance: '87.66', available: '87.66' });
      expect(await fundsOf(bob)).toEqual({ balance: '12.34', available: '12.34' });
      // The released rest can be spent at once.
      await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '87.66' }).expect(200);
    });

    it('captures exactly the held amount when asked for it explicitly', async () => {
      const alice = await ctx.fundedUser('5.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '5.00');
      const response = await capture(alice, placed.id, { amount: '5.00' }).expect(200);
      expect(response.body.data.captured_amount).toBe('5.00');
      expect(await fundsOf(alice)).toEqual({ balance: '0.00', available: '0.00' });
      expect(await fundsOf(bob)).toEqual({ balance: '5.00', available: '5.00' });
    });

    it('only counts other holds against the capture: the captured hold pays for itself', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const first = await placeHold(alice, bob.walletId, '6.00');
      await placeHold(alice, bob.walletId, '4.00');
      expect(await fundsOf(alice)).toEqual({ balance: '10.00', available: '0.00' });
      await capture(alice, first.id).expect(200);
      expect(await fundsOf(alice)).toEqual({ balance: '4.00', available: '0.00' });
      expect(await fundsOf(bob)).toEqual({ balance: '6.00', available: '6.00' });
    });

    it('rejects a capture above the held amount with 422 target amount; the hold stays usable', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '30.00');
      const before = await snapshot(alice, bob);

      await expectAnswer(capture(alice, placed.id, { amount: '30.01' }), EXCEEDS_HOLD);
      await expectAnswer(
        capture(alice, placed.id, { amount: '0' }),
        failure(
          422,
          'UNPROCESSABLE_ENTITY',
          'REQUEST_VALIDATION_FAILED',
          'Must be greater than or equal to 0.01.',
          'amount',
        ),
      );
      expect(await snapshot(alice, bob)).toEqual(before);
      expect((await storedHolds(alice.walletId))[0].status).toBe('PENDING');

      await capture(alice, placed.id, { amount: '30.00' }).expect(200);
      expect(await fundsOf(bob)).toEqual({ balance: '30.00', available: '30.00' });
    });
  });

  describe('POST /v1/holds/{id}/void', () => {
    it('releases the reservation and posts nothing', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '40.00');
      const before = await snapshot(alice, bob);
      expect(before[0].available).toBe('60.00');

      const response = await voidHold(alice, placed.id);
      expect({ status: response.status, body: response.body }).toEqual({
        status: 200,
        body: { status: { success: true, errors: [] }, data: { ...placed, status: 'VOIDED' } },
      });
      expect(await snapshot(alice, bob)).toEqual([{ ...before[0], available: '100.00' }, before[1]]);
      expect(await storedHolds(alice.walletId)).toEqual([
        { id: placed.id, status: 'VOIDED', amount: '40.00', captured_amount: null, transfer_id: null, resolved: true },
      ]);
    });
  });

  describe('at most once, by the payer only', () => {
    it('answers 409 to a second capture or a void after a capture, posting nothing more', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '10.00');
      await capture(alice, placed.id, { amount: '4.00' }).expect(200);
      const after = await snapshot(alice, bob);

      await expectAnswer(capture(alice, placed.id), ALREADY_CAPTURED);
      await expectAnswer(capture(alice, placed.id, { amount: '1.00' }), ALREADY_CAPTURED);
      await expectAnswer(voidHold(alice, placed.id), ALREADY_CAPTURED);
      expect(await snapshot(alice, bob)).toEqual(after);
      expect(after[0]).toEqual(expect.objectContaining({ balance: '96.00', available: '96.00' }));
    });

    it('answers 409 to a capture or a second void after a void', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '10.00');
      await voidHold(alice, placed.id).expect(200);
      const after = await snapshot(alice, bob);

      await expectAnswer(capture(alice, placed.id), ALREADY_VOIDED);
      await expectAnswer(voidHold(alice, placed.id), ALREADY_VOIDED);
      expect(await snapshot(alice, bob)).toEqual(after);
      expect(after.map((s) => s.balance)).toEqual(['100.00', '0.00']);
    });

    it('answers 403 FORBIDDEN when the payee or a stranger captures or voids; the hold stays PENDING', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const carol = await ctx.fundedUser('5.00');
      const placed = await placeHold(alice, bob.walletId, '10.00');
      const before = await snapshot(alice, bob, carol);

      for (const other of [bob, carol]) {
        await expectAnswer(capture(other, placed.id), NOT_THE_PAYER);
        await expectAnswer(capture(other, placed.id, { amount: '1.00' }), NOT_THE_PAYER);
        await expectAnswer(voidHold(other, placed.id), NOT_THE_PAYER);
      }
      expect(await snapshot(alice, bob, carol)).toEqual(before);
      expect((await storedHolds(alice.walletId))[0].status).toBe('PENDING');
      await capture(alice, placed.id).expect(200);
    });

    it('answers 401 without a session', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '1.00');
      await expectAnswer(request(ctx.server).post(`/v1/holds/${placed.id}/capture`).send({}), UNAUTHORIZED);
      await expectAnswer(request(ctx.server).post(`/v1/holds/${placed.id}/void`).send({}), UNAUTHORIZED);
      expect((await storedHolds(alice.walletId))[0].status).toBe('PENDING');
    });

    it.each([
      ['an unknown id', randomUUID()],
      ['a malformed id', 'not-a-hold'],
      ['an id with a trailing character', `${randomUUID()}0`],
    ])('answers 404 "Hold does not exist." for %s', async (_label, id) => {
      const alice = await ctx.fundedUser('10.00');
      await expectAnswer(capture(alice, id), HOLD_MISSING);
      await expectAnswer(voidHold(alice, id), HOLD_MISSING);
    });

    it('finds the hold by its id in upper case too', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '1.00');
      const response = await voidHold(alice, placed.id.toUpperCase()).expect(200);
      expect(response.body.data).toEqual({ ...placed, status: 'VOIDED' });
    });
  });

  describe('expiry (decided by PostgreSQL clock, no background job)', () => {
    it('restores available once a hold expires; it can then neither be captured nor voided', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const [expiring, other] = [
        await placeHold(alice, bob.walletId, '6.00', 1),
        await placeHold(alice, bob.walletId, '1.00', 3600),
      ];
      expect(await fundsOf(alice)).toEqual({ balance: '10.00', available: '3.00' });
      await expectAnswer(hold(alice, { destination: bob.walletId, amount: '3.01' }), INSUFFICIENT_FUNDS);

      await sleep(1_200);
      expect(await fundsOf(alice)).toEqual({ balance: '10.00', available: '9.00' });
      const before = await snapshot(alice, bob);
      await expectAnswer(capture(alice, expiring.id), EXPIRED);
      await expectAnswer(capture(alice, expiring.id, { amount: '1.00' }), EXPIRED);
      await expectAnswer(voidHold(alice, expiring.id), EXPIRED);
      expect(await snapshot(alice, bob)).toEqual(before);

      // The released money is spendable again; the live hold still reserves its part.
      await expectAnswer(
        alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '9.01' }),
        INSUFFICIENT_FUNDS,
      );
      await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '9.00' }).expect(200);
      expect(await fundsOf(alice)).toEqual({ balance: '1.00', available: '0.00' });
      await capture(alice, other.id).expect(200);
      expect(await fundsOf(alice)).toEqual({ balance: '0.00', available: '0.00' });
      expect(await fundsOf(bob)).toEqual({ balance: '10.00', available: '10.00' });
    });
  });

  describe('idempotency', () => {
    const KEY = 'Idempotency-Key';

    it('posts an idempotent capture once; the repeat replays it', async () => {
      const alice = await ctx.fundedUser('50.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '20.00');
      const key = `capture-${randomUUID()}`;

      const first = await alice.agent.post(`/v1/holds/${placed.id}/capture`).set(KEY, key).send({}).expect(200);
      const again = await alice.agent.post(`/v1/holds/${placed.id}/capture`).set(KEY, key).send({});
      expect({ status: again.status, replayed: again.headers['idempotent-replayed'], text: again.text }).toEqual({
        status: 200,
        replayed: 'true',
        text: first.text,
      });
      expect(await fundsOf(alice)).toEqual({ balance: '30.00', available: '30.00' });
      expect((await operationsOf(bob)).map((op) => [op.transfer_id, op.amount])).toEqual([
        [first.body.data.transfer_id, '20.00'],
      ]);
      // Without the key, the hold answers for itself: already captured.
      await expectAnswer(capture(alice, placed.id), ALREADY_CAPTURED);

      // The key belongs to that hold's capture: on another hold it is another request.
      const second = await placeHold(alice, bob.walletId, '1.00');
      await expectAnswer(alice.agent.post(`/v1/holds/${second.id}/capture`).set(KEY, key).send({}), KEY_REUSED);
      expect((await storedHolds(alice.walletId)).map((h) => h.status)).toEqual(['CAPTURED', 'PENDING']);
    });

    it('places an idempotent hold once and voids idempotently', async () => {
      const alice = await ctx.fundedUser('50.00');
      const bob = await ctx.registerUser();
      const key = `hold-${randomUUID()}`;
      const body = { destination: bob.walletId, amount: '20.00' };
      const first = await alice.agent.post('/v1/wallets/holds').set(KEY, key).send(body).expect(200);
      const again = await alice.agent.post('/v1/wallets/holds').set(KEY, key).send(body).expect(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.text).toBe(first.text);
      expect(await fundsOf(alice)).toEqual({ balance: '50.00', available: '30.00' });
      expect(await storedHolds(alice.walletId)).toHaveLength(1);

      const voidKey = `void-${randomUUID()}`;
      const voided = await alice.agent.post(`/v1/holds/${first.body.data.id}/void`).set(KEY, voidKey).expect(200);
      const voidedAgain = await alice.agent.post(`/v1/holds/${first.body.data.id}/void`).set(KEY, voidKey);
      expect({ status: voidedAgain.status, text: voidedAgain.text }).toEqual({ status: 200, text: voided.text });
      expect(await fundsOf(alice)).toEqual({ balance: '50.00', available: '50.00' });
    });

    it('does not bind the key to a 409 (the hold was voided first): a repeat runs again', async () => {
      const alice = await ctx.fundedUser('50.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '20.00');
      await voidHold(alice, placed.id).expect(200);
      const key = `late-${randomUUID()}`;
      const first = await alice.agent.post(`/v1/holds/${placed.id}/capture`).set(KEY, key).send({});
      expect({ status: first.status, body: first.body }).toEqual(ALREADY_VOIDED);
      // 409 is not recorded (the key stays free), so a repeat runs again and answers the same.
      const again = await alice.agent.post(`/v1/holds/${placed.id}/capture`).set(KEY, key).send({});
      expect({ status: again.status, body: again.body }).toEqual(ALREADY_VOIDED);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      const { rows } = await ctx.db.query('select 1 from idempotency_keys where user_id = $1 and key = $2', [
        alice.id,
        key,
      ]);
      expect(rows).toEqual([]);
      expect(await fundsOf(bob)).toEqual({ balance: '0.00', available: '0.00' });
    });
  });

  describe('concurrency', () => {
    function statusCounts(responses: request.Response[]): Record<number, number> {
      const counts: Record<number, number> = {};
      for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
      return counts;
    }

    it('lets exactly 10 of 30 parallel 1.00 holds on a 10.00 wallet through; the rest get 400', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const responses = await Promise.all(
        Array.from({ length: 30 }, () => hold(alice, { destination: bob.walletId, amount: '1.00' })),
      );
      expect(statusCounts(responses)).toEqual({ 200: 10, 400: 20 });
      for (const response of responses.filter((r) => r.status === 400)) {
        expect(response.body).toEqual(INSUFFICIENT_FUNDS.body);
      }
      const placed = responses.filter((r) => r.status === 200).map((r) => r.body.data.id);
      expect(new Set(placed).size).toBe(10);
      expect((await storedHolds(alice.walletId)).map((h) => h.id).sort()).toEqual([...placed].sort());
      expect(await fundsOf(alice)).toEqual({ balance: '10.00', available: '0.00' });
    });

    it('never lets a hold and a transfer sent together spend the same money', async () => {
      const pairs = await Promise.all(
        Array.from({ length: 5 }, async () => ({
          payer: await ctx.fundedUser('10.00'),
          payee: await ctx.registerUser(),
        })),
      );
      const responses = await Promise.all(
        pairs.flatMap(({ payer, payee }) => [
          hold(payer, { destination: payee.walletId, amount: '6.00' }),
          payer.agent.post('/v1/wallets/transfer').send({ destination: payee.walletId, amount: '6.00' }),
        ]),
      );
      for (const [index, { payer }] of pairs.entries()) {
        const [held, transferred] = responses.slice(index * 2, index * 2 + 2);
        expect([held.status, transferred.status].sort()).toEqual([200, 400]);
        expect(await fundsOf(payer)).toEqual(
          held.status === 200 ? { balance: '10.00', available: '4.00' } : { balance: '4.00', available: '4.00' },
        );
      }
      await ctx.expectLedgerInvariants();
    });

    it('lets exactly one of a capture and a void sent together win, for each of 10 holds', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const holds = await Promise.all(Array.from({ length: 10 }, () => placeHold(alice, bob.walletId, '3.00')));

      const responses = await Promise.all(
        holds.flatMap((placed) => [capture(alice, placed.id), voidHold(alice, placed.id)]),
      );
      let captured = 0;
      for (const [index, placed] of holds.entries()) {
        const [captureResponse, voidResponse] = responses.slice(index * 2, index * 2 + 2);
        const statuses = [captureResponse.status, voidResponse.status];
        expect(statuses.sort()).toEqual([200, 409]);
        if (captureResponse.status === 200) {
          captured++;
          expect(captureResponse.body.data).toEqual(expect.objectContaining({ id: placed.id, status: 'CAPTURED' }));
          expect(voidResponse.body).toEqual(ALREADY_CAPTURED.body);
        } else {
          expect(voidResponse.body.data).toEqual(expect.objectContaining({ id: placed.id, status: 'VOIDED' }));
          expect(captureResponse.body).toEqual(ALREADY_VOIDED.body);
        }
      }
      const stored = await storedHolds(alice.walletId);
      expect(stored.filter((h) => h.status === 'CAPTURED')).toHaveLength(captured);
      expect(stored.filter((h) => h.status === 'VOIDED')).toHaveLength(10 - captured);
      const rest = money(10_000n - BigInt(captured * 300));
      expect(await fundsOf(alice)).toEqual({ balance: rest, available: rest });
      expect((await operationsOf(bob)).filter((op) => op.type === 'TRANSFER')).toHaveLength(captured);
      await ctx.expectLedgerInvariants();
    });

    it('captures one hold once when 8 captures race', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const placed = await placeHold(alice, bob.walletId, '10.00');
      const responses = await Promise.all(Array.from({ length: 8 }, () => capture(alice, placed.id)));
      expect(statusCounts(responses)).toEqual({ 200: 1, 409: 7 });
      expect(await fundsOf(bob)).toEqual({ balance: '10.00', available: '10.00' });
      expect(await fundsOf(alice)).toEqual({ balance: '0.00', available: '0.00' });
      await ctx.expectLedgerInvariants();
    });
  });

  it('leaves the ledger sound', async () => {
    await ctx.expectLedgerInvariants();
  });
});
