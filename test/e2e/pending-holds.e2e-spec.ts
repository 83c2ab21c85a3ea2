import { HoldExpirySweeper } from '@app/transfers';
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

  it('marks holds past their expiry EXPIRED and uncounts them, so a payment no longer reads them', async () => {
    const payer = await ctx.fundedUser('50.00');
    const payee = await ctx.registerUser();
    const place = async (seconds: number) =>
      (
        await payer.agent
          .post('/v1/wallets/holds')
          .send({ destination: payee.walletId, amount: '10.00', expires_in_seconds: seconds })
          .expect(200)
      ).body.data.id as string;
    const expiring = [await place(1), await place(1)];
    const lasting = await place(3600);
    expect(await counter(payer.walletId)).toBe(3);
    await ctx.databaseClockPast(new Date(Date.now() + 1_100));

    expect(await ctx.app.get(HoldExpirySweeper).expireDue()).toBeGreaterThanOrEqual(2);
    const { rows } = await ctx.db.query<{ id: string; status: string; resolved: boolean }>(
      `select id, status, resolved_at = expires_at as resolved from holds where source_wallet_id = $1 order by expires_at`,
      [payer.walletId],
    );
    expect(rows).toEqual([
      expect.objectContaining({ status: 'EXPIRED', resolved: true }),
      expect.objectContaining({ status: 'EXPIRED', resolved: true }),
      { id: lasting, status: 'PENDING', resolved: null },
    ]);
    expect(rows.slice(0, 2).map((row) => row.id).sort()).toEqual([...expiring].sort());
    expect(await counter(payer.walletId)).toBe(1);
    // An EXPIRED hold answers as an expired one did, and the lasting hold still reserves its money.
    const capture = await payer.agent.post(`/v1/holds/${expiring[0]}/capture`).send({}).expect(409);
    expect(capture.body.status.errors[0]).toMatchObject({ reason: 'HOLD_EXPIRED', message: 'Hold has expired.' });
    await payer.agent.post(`/v1/holds/${expiring[1]}/void`).expect(409);
    expect((await payer.agent.get('/v1/wallets').expect(200)).body.data).toMatchObject({
      balance: '50.00',
      available: '40.00',
    });
    expect(await ctx.app.get(HoldExpirySweeper).expireDue()).toBe(0);
    await ctx.expectLedgerInvariants();
  });

  it('refuses a negative counter in the database', async () => {
    const user = await ctx.registerUser();
    await expect(ctx.db.query('update wallets set pending_holds = -1 where id = $1', [user.walletId])).rejects.toThrow(
      /wallets_pending_holds_check/,
    );
  });
});
