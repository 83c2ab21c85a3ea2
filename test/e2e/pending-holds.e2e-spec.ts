import { useTestContext } from '@app/testing';

/**
 * wallets.pending_holds lets a payment skip reading the holds of a wallet that
 * has none. It must count exactly the PENDING holds the wallet pays, or a
 * transfer could spend reserved money.
 */
describe('pending holds counter', () => {
  const ctx = useTestContext();

  const counter = async (walletId: string) =>
    (await ctx.db.query<{ pending_holds: number }>('select pending_holds from wallets where id = $1', [walletId]))
      .rows[0].pending_holds;

  it('counts holds placed, and uncounts them when captured or voided', async () => {
    const payer = await ctx.fundedUser('100.00');
    const payee = await ctx.registerUser();
    const place = async (amount: string) =>
      (await payer.agent.post('/v1/wallets/holds').send({ destination: payee.walletId, amount }).expect(200)).body.data
        .id;
    const first = await place('10.00');
    const second = await place('20.00');
    expect(await counter(payer.walletId)).toBe(2);
    expect(await counter(payee.walletId)).toBe(0);

    await payer.agent.post(`/v1/holds/${first}/capture`).send({ amount: '5.00' }).expect(200);
    expect(await counter(payer.walletId)).toBe(1);
    await payer.agent.post(`/v1/holds/${second}/void`).expect(200);
    expect(await counter(payer.walletId)).toBe(0);

    // A refused capture or void changes nothing.
    await payer.agent.post(`/v1/holds/${second}/capture`).send({}).expect(409);
    await payer.agent.post(`/v1/holds/${first}/void`).expect(409);
    await payee.agent.post(`/v1/holds/${second}/void`).expect(403);
    expect(await counter(payer.walletId)).toBe(0);
    await ctx.expectLedgerInvariants();
  });

  it('still protects reserved money when the payer transfers (the counter makes the holds be read)', async () => {
    const payer = await ctx.fundedUser('30.00');
    const payee = await ctx.registerUser();
    await payer.agent.post('/v1/wallets/holds').send({ destination: payee.walletId, amount: '25.00' }).expect(200);
    const refused = await payer.agent
      .post('/v1/wallets/transfer')
      .send({ destination: payee.walletId, amount: '5.01' })
      .expect(400);
    expect(refused.body.status.errors[0].message).toBe('Insufficient funds.');
    await payer.agent.post('/v1/wallets/transfer').send({ destination: payee.walletId, amount: '5.00' }).expect(200);
    expect((await payer.agent.get('/v1/wallets').expect(200)).body.data).toMatchObject({
      balance: '25.00',
      available: '0.00',
    });
  });

  it('refuses a negative counter in the database', async () => {
    const user = await ctx.registerUser();
    await expect(ctx.db.query('update wallets set pending_holds = -1 where id = $1', [user.walletId])).rejects.toThrow(
      /wallets_pending_holds_check/,
    );
  });
});
