import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  useTestContext,
  expectAnswer,
  snapshot,
  balanceOf,
  deposit,
  operationsOf,
  type OperationJson,
  failure,
  UNAUTHORIZED,
  WALLET_MISSING,
  INSUFFICIENT_FUNDS,
  DESTINATION_MISSING,
  OWN_WALLET,
} from '@app/testing';

const FUNDING_WALLET_ID = '00000000-0000-4000-8000-000000000001';
const MISSING = 'Missing data for required field.';

describe('deposits and transfers (contract part A)', () => {
  const ctx = useTestContext();

  describe('POST /v1/wallets/deposit', () => {
    it('returns the credit operation: positive amount, type DEPOSIT, paid by the funding wallet', async () => {
      const user = await ctx.registerUser();
      const response = await user.agent.post('/v1/wallets/deposit').send({ amount: '100.25' }).expect(200);
      expect(response.body).toEqual({
        status: { success: true, errors: [] },
        data: {
          id: expect.any(String),
          transfer_id: expect.any(String),
          wallet_id: user.walletId,
          source_wallet_id: FUNDING_WALLET_ID,
          destination_wallet_id: user.walletId,
          type: 'DEPOSIT',
          amount: '100.25',
          timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
          sequence: 1,
          balance_after: '100.25',
          reverses: null,
          reversed_amount: null,
        },
      });
      expect(await operationsOf(user)).toEqual([response.body.data]);
    });

    it('raises the balance by exactly the amount, to the cent', async () => {
      const user = await ctx.registerUser();
      await deposit(user, '0.10');
      expect(await balanceOf(user)).toBe('0.10');
      await deposit(user, '0.20');
      expect(await balanceOf(user)).toBe('0.30');
      await deposit(user, '9999999999999.99');
      expect(await balanceOf(user)).toBe('10000000000000.29');
    });

    it('gives every deposit its own journal entry', async () => {
      const user = await ctx.registerUser();
      const first = await deposit(user, '1.00');
      const second = await deposit(user, '1.00');
      expect(first.transfer_id).not.toEqual(second.transfer_id);
      expect(first.id).not.toEqual(second.id);
      expect(await balanceOf(user)).toBe('2.00');
    });

    it('answers 401 without a session', async () => {
      await expectAnswer(request(ctx.server).post('/v1/wallets/deposit').send({ amount: '1.00' }), UNAUTHORIZED);
    });

    it('answers 422 target amount when the amount is missing, and moves nothing', async () => {
      const user = await ctx.registerUser();
      await expectAnswer(
        user.agent.post('/v1/wallets/deposit').send({}),
        failure(422, 'UNPROCESSABLE_ENTITY', 'REQUEST_VALIDATION_FAILED', MISSING, 'amount'),
      );
      expect(await snapshot(user)).toEqual([{ balance: '0.00', operations: [] }]);
    });

    it('answers 404 "Wallet does not exist." when the caller has no wallet', async () => {
      const user = await ctx.userWithoutWallet();
      await expectAnswer(user.agent.post('/v1/wallets/deposit').send({ amount: '1.00' }), WALLET_MISSING);
    });
  });

  describe('POST /v1/wallets/transfer', () => {
    it('returns the debit operation with a negative amount', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const response = await alice.agent
        .post('/v1/wallets/transfer')
        .send({ destination: bob.walletId, amount: '40.10' })
        .expect(200);
      expect(response.body).toEqual({
        status: { success: true, errors: [] },
        data: {
          id: expect.any(String),
          transfer_id: expect.any(String),
          wallet_id: alice.walletId,
          source_wallet_id: alice.walletId,
          destination_wallet_id: bob.walletId,
          type: 'TRANSFER',
          amount: '-40.10',
          timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
          sequence: 2,
          balance_after: '59.90',
          reverses: null,
          reversed_amount: null,
        },
      });
    });

    it('gives the receiver a positive operation with the same transfer_id', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const debit = (
        await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '40.10' }).expect(200)
      ).body.data as OperationJson;
      const [credit] = await operationsOf(bob);
      expect(credit).toEqual({
        id: expect.any(String),
        transfer_id: debit.transfer_id,
        wallet_id: bob.walletId,
        source_wallet_id: alice.walletId,
        destination_wallet_id: bob.walletId,
        type: 'TRANSFER',
        amount: '40.10',
        timestamp: expect.any(String),
        sequence: 1,
        balance_after: '40.10',
        reverses: null,
        reversed_amount: null,
      });
      expect(credit.id).not.toEqual(debit.id);
      // The sender sees the debit, newest first, above its deposit.
      const [latest, funding] = await operationsOf(alice);
      expect(latest).toEqual(debit);
      expect(funding.type).toBe('DEPOSIT');
    });

    it('moves balances exactly to the cent', async () => {
      const alice = await ctx.fundedUser('0.30');
      const bob = await ctx.registerUser();
      await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '0.10' }).expect(200);
      await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '0.20' }).expect(200);
      expect(await balanceOf(alice)).toBe('0.00');
      expect(await balanceOf(bob)).toBe('0.30');
      await bob.agent.post('/v1/wallets/transfer').send({ destination: alice.walletId, amount: '0.01' }).expect(200);
      expect(await balanceOf(alice)).toBe('0.01');
      expect(await balanceOf(bob)).toBe('0.29');
    });

    it('allows transferring the whole balance, leaving exactly 0.00', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '10.00' }).expect(200);
      expect(await balanceOf(alice)).toBe('0.00');
      expect(await balanceOf(bob)).toBe('10.00');
    });

    it('accepts the destination wallet id in upper case', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const response = await alice.agent
        .post('/v1/wallets/transfer')
        .send({ destination: bob.walletId.toUpperCase(), amount: '1.00' })
        .expect(200);
      expect(response.body.data.destination_wallet_id).toBe(bob.walletId);
      expect(await balanceOf(bob)).toBe('1.00');
    });

    describe('refusals, in the contract order, moving nothing', () => {
      it('answers 401 without a session', async () => {
        const bob = await ctx.registerUser();
        await expectAnswer(
          request(ctx.server).post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '1.00' }),
          UNAUTHORIZED,
        );
        expect(await snapshot(bob)).toEqual([{ balance: '0.00', operations: [] }]);
      });

      it('answers 401 before validating the body', async () => {
        await expectAnswer(
          request(ctx.server).post('/v1/wallets/transfer').send({ destination: 'nope', amount: 'nope' }),
          UNAUTHORIZED,
        );
      });

      it.each(['not-a-uuid', '1bb41739-afb5-41c5-aaee-b344f7066bf', '1bb41739afb541c5aaeeb344f7066bf9x', '', 42])(
        'rejects destination %p with 422 "Not a valid UUID."',
        async (destination) => {
          const alice = await ctx.fundedUser('10.00');
          const before = await snapshot(alice);
          await expectAnswer(
            alice.agent.post('/v1/wallets/transfer').send({ destination, amount: '1.00' }),
            failure(422, 'UNPROCESSABLE_ENTITY', 'REQUEST_VALIDATION_FAILED', 'Not a valid UUID.', 'destination'),
          );
          expect(await snapshot(alice)).toEqual(before);
        },
      );

      it('rejects a missing destination with 422 "Missing data for required field."', async () => {
        const alice = await ctx.fundedUser('10.00');
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ amount: '1.00' }),
          failure(422, 'UNPROCESSABLE_ENTITY', 'REQUEST_VALIDATION_FAILED', MISSING, 'destination'),
        );
        expect(await balanceOf(alice)).toBe('10.00');
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
        const before = await snapshot(alice, bob);
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount }),
          failure(422, 'UNPROCESSABLE_ENTITY', 'REQUEST_VALIDATION_FAILED', message, 'amount'),
        );
        expect(await snapshot(alice, bob)).toEqual(before);
      });

      it('reports a bad destination and a bad amount together, one error per field', async () => {
        const alice = await ctx.fundedUser('10.00');
        const response = await alice.agent
          .post('/v1/wallets/transfer')
          .send({ destination: 'x', amount: 'y' })
          .expect(422);
        expect(response.body.status.errors).toEqual([
          {
            code: 'UNPROCESSABLE_ENTITY',
            message: 'Not a valid UUID.',
            target: 'destination',
            reason: 'REQUEST_VALIDATION_FAILED',
          },
          {
            code: 'UNPROCESSABLE_ENTITY',
            message: 'Not a valid number.',
            target: 'amount',
            reason: 'REQUEST_VALIDATION_FAILED',
          },
        ]);
      });

      it("rejects a transfer to the caller's own wallet with 422 target destination", async () => {
        const alice = await ctx.fundedUser('10.00');
        const before = await snapshot(alice);
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: alice.walletId, amount: '1.00' }),
          OWN_WALLET,
        );
        expect(await snapshot(alice)).toEqual(before);
      });

      it('checks the own wallet (422) before the funds (400)', async () => {
        const alice = await ctx.registerUser();
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: alice.walletId, amount: '1.00' }),
          OWN_WALLET,
        );
      });

      it('recognises the own wallet in upper case too', async () => {
        const alice = await ctx.fundedUser('10.00');
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: alice.walletId.toUpperCase(), amount: '1.00' }),
          OWN_WALLET,
        );
        expect(await balanceOf(alice)).toBe('10.00');
      });

      it('answers 404 "Wallet does not exist." when the caller has no wallet, before checking funds', async () => {
        const user = await ctx.userWithoutWallet();
        const bob = await ctx.registerUser();
        await expectAnswer(
          user.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '1.00' }),
          WALLET_MISSING,
        );
        expect(await snapshot(bob)).toEqual([{ balance: '0.00', operations: [] }]);
      });

      it('rejects a transfer above the balance with 400 "Insufficient funds."', async () => {
        const alice = await ctx.fundedUser('10.00');
        const bob = await ctx.registerUser();
        const before = await snapshot(alice, bob);
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '10.01' }),
          INSUFFICIENT_FUNDS,
        );
        expect(await snapshot(alice, bob)).toEqual(before);
      });

      it('rejects any transfer from an empty wallet with 400', async () => {
        const alice = await ctx.registerUser();
        const bob = await ctx.registerUser();
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '0.01' }),
          INSUFFICIENT_FUNDS,
        );
        expect(await snapshot(alice, bob)).toEqual([
          { balance: '0.00', operations: [] },
          { balance: '0.00', operations: [] },
        ]);
      });

      it('checks the funds (400) before the destination (404): unaffordable amount to an unknown wallet', async () => {
        const alice = await ctx.fundedUser('10.00');
        const before = await snapshot(alice);
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: randomUUID(), amount: '10.01' }),
          INSUFFICIENT_FUNDS,
        );
        expect(await snapshot(alice)).toEqual(before);
      });

      it('answers 404 "Destination wallet does not exist." for an affordable amount to an unknown wallet', async () => {
        const alice = await ctx.fundedUser('10.00');
        const before = await snapshot(alice);
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: randomUUID(), amount: '10.00' }),
          DESTINATION_MISSING,
        );
        expect(await snapshot(alice)).toEqual(before);
      });

      it('answers 404 for a transfer to the system funding wallet', async () => {
        const alice = await ctx.fundedUser('10.00');
        const before = await snapshot(alice);
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: FUNDING_WALLET_ID, amount: '1.00' }),
          DESTINATION_MISSING,
        );
        expect(await snapshot(alice)).toEqual(before);
      });

      it('answers 404 for a transfer to a wallet whose row is gone', async () => {
        const alice = await ctx.fundedUser('10.00');
        const gone = await ctx.userWithoutWallet();
        await expectAnswer(
          alice.agent.post('/v1/wallets/transfer').send({ destination: gone.walletId, amount: '1.00' }),
          DESTINATION_MISSING,
        );
        expect(await balanceOf(alice)).toBe('10.00');
      });
    });
  });
});
