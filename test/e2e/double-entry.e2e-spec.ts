import { FUNDING_WALLET_ID } from '@app/ledger';
import { useTestContext, type RegisteredUser, cents, ledgerViolations, money, seededRandom } from '@app/testing';

/** Reproducible: the same seed gives the same mix (override with LEDGER_TEST_SEED to explore). */
const SEED = Number(process.env.LEDGER_TEST_SEED ?? 20261124);

const INSUFFICIENT_FUNDS = {
  status: {
    success: false,
    errors: [{ code: 'BAD_REQUEST', message: 'Insufficient funds.', target: '__all__', reason: 'INSUFFICIENT_FUNDS' }],
  },
  data: null,
};

interface Account {
  user: RegisteredUser;
  balance: bigint;
  /** The amounts posted to this wallet, in the order they were posted. */
  amounts: bigint[];
}

interface Posted {
  transferId: string;
  type: 'DEPOSIT' | 'TRANSFER';
  /** wallet id -> signed amount in cents */
  legs: Record<string, bigint>;
}

describe('double entry (contract part B)', () => {
  const ctx = useTestContext();

  it(`keeps every entry balanced and every wallet equal to its operations after a random mix (seed ${SEED})`, async () => {
    const { next: random, between } = seededRandom(SEED);
    /** The amount as a client may send it: "12.30", "12.3", or the JSON number 12.3. */
    const wire = (amount: bigint): string | number => {
      const canonical = money(amount);
      switch (between(0, 2)) {
        case 0:
          return canonical;
        case 1:
          return canonical.replace(/\.?0+$/, '');
        default:
          return Number(canonical);
      }
    };

    const users = await Promise.all(Array.from({ length: 8 }, () => ctx.registerUser()));
    const accounts: Account[] = users.map((user) => ({ user, balance: 0n, amounts: [] }));
    const posted: Posted[] = [];
    let refused = 0;
    let drained = 0;

    for (let step = 0; step < 160; step++) {
      const payer = accounts[between(0, accounts.length - 1)];
      if (random() < 0.3) {
        const amount = BigInt(between(1, 50_000));
        const response = await payer.user.agent.post('/v1/wallets/deposit').send({ amount: wire(amount) });
        expect(response.status).toBe(200);
        expect(response.body.data).toEqual({
          id: expect.any(String),
          transfer_id: expect.any(String),
          wallet_id: payer.user.walletId,
          source_wallet_id: FUNDING_WALLET_ID,
          destination_wallet_id: payer.user.walletId,
          type: 'DEPOSIT',
          amount: money(amount),
          timestamp: expect.any(String),
          sequence: payer.amounts.length + 1,
          balance_after: money(payer.balance + amount),
          reverses: null,
          reversed_amount: null,
        });
        payer.balance += amount;
        payer.amounts.push(amount);
        posted.push({
          transferId: response.body.data.transfer_id,
          type: 'DEPOSIT',
          legs: { [payer.user.walletId]: amount, [FUNDING_WALLET_ID]: -amount },
        });
        continue;
      }

      const others = accounts.filter((account) => account !== payer);
      const payee = others[between(0, others.length - 1)];
      const roll = random();
      let amount: bigint;
      if (roll < 0.15 || payer.balance === 0n) {
        amount = payer.balance + BigInt(between(1, 10_000)); // more than the payer has
      } else if (roll < 0.25) {
        amount = payer.balance; // everything, down to 0.00
      } else {
        amount = BigInt(between(1, Number(payer.balance)));
      }
      const response = await payer.user.agent
        .post('/v1/wallets/transfer')
        .send({ destination: payee.user.walletId, amount: wire(amount) });
      if (amount > payer.balance) {
        expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: INSUFFICIENT_FUNDS });
        refused++;
        continue;
      }
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({
        id: expect.any(String),
        transfer_id: expect.any(String),
        wallet_id: payer.user.walletId,
        source_wallet_id: payer.user.walletId,
        destination_wallet_id: payee.user.walletId,
        type: 'TRANSFER',
        amount: money(-amount),
        timestamp: expect.any(String),
        sequence: payer.amounts.length + 1,
        balance_after: money(payer.balance - amount),
        reverses: null,
        reversed_amount: null,
      });
      payer.balance -= amount;
      payee.balance += amount;
      payer.amounts.push(-amount);
      payee.amounts.push(amount);
      if (payer.balance === 0n) drained++;
      posted.push({
        transferId: response.body.data.transfer_id,
        type: 'TRANSFER',
        legs: { [payer.user.walletId]: -amount, [payee.user.walletId]: amount },
      });
    }
    // The mix really covered refusals, draining a wallet to zero, deposits and transfers.
    expect(refused).toBeGreaterThanOrEqual(5);
    expect(drained).toBeGreaterThanOrEqual(3);
    expect(posted.filter((p) => p.type === 'DEPOSIT').length).toBeGreaterThanOrEqual(20);
    expect(posted.filter((p) => p.type === 'TRANSFER').length).toBeGreaterThanOrEqual(40);

    // What the API reports is the model.
    for (const { user, balance } of accounts) {
      const wallet = await user.agent.get('/v1/wallets').expect(200);
      expect(wallet.body.data).toEqual({
        id: user.walletId,
        user_id: user.id,
        balance: money(balance),
        available: money(balance),
        frozen: false,
      });
    }

    // Ledger-wide: through LedgerAuditQuery and through the raw rows.
    const ledger = await ctx.expectLedgerInvariants();

    // This test's wallets, row by row: gapless sequence, balance_after and stored balance as the model says.
    for (const { user, balance, amounts } of accounts) {
      const operations = ledger.byWallet.get(user.walletId) ?? [];
      expect(operations.map((op) => op.amount)).toEqual(amounts.map(money));
      expect(operations.map((op) => op.sequence)).toEqual(amounts.map((_, index) => index + 1));
      let running = 0n;
      expect(operations.map((op) => op.balanceAfter)).toEqual(amounts.map((amount) => money((running += amount))));
      expect(ledger.wallets.get(user.walletId)).toMatchObject({
        kind: 'USER',
        userId: user.id,
        balance: money(balance),
        lastSequence: amounts.length,
      });
    }

    // Each entry this test posted holds exactly the legs it should, and nothing was posted for a refusal.
    for (const entry of posted) {
      const legs = ledger.byEntry.get(entry.transferId) ?? [];
      expect(Object.fromEntries(legs.map((op) => [op.walletId, cents(op.amount)]))).toEqual(entry.legs);
      expect(legs.map((op) => op.type)).toEqual([entry.type, entry.type]);
    }
    const ourWallets = new Set(users.map((user) => user.walletId));
    const ourEntries = new Set(
      ledger.operations.filter((op) => ourWallets.has(op.walletId)).map((op) => op.transferId),
    );
    expect(ourEntries).toEqual(new Set(posted.map((entry) => entry.transferId)));

    // The funding wallet paid exactly the negation of this test's deposits.
    const deposits = posted.filter((entry) => entry.type === 'DEPOSIT');
    const { rows } = await ctx.db.query<{ amount: string; sequence: string | null; balance_after: string | null }>(
      `select amount::text, sequence, balance_after::text from operations
        where wallet_id = $1 and transfer_id = any($2::uuid[]) order by transfer_id`,
      [FUNDING_WALLET_ID, deposits.map((entry) => entry.transferId)],
    );
    const depositTotal = deposits.reduce((sum, entry) => sum + entry.legs[FUNDING_WALLET_ID], 0n);
    expect(rows).toHaveLength(deposits.length);
    expect(rows.reduce((sum, row) => sum + cents(row.amount), 0n)).toBe(depositTotal);
    expect(rows.every((row) => row.sequence === null && row.balance_after === null)).toBe(true);
  });

  it('refuses a transfer into the funding wallet with 404 and posts nothing', async () => {
    const user = await ctx.fundedUser('40.00');
    const response = await user.agent
      .post('/v1/wallets/transfer')
      .send({ destination: FUNDING_WALLET_ID, amount: '15.00' });
    expect(response.status).toBe(404);
    expect(response.body.status.errors).toMatchObject([
      { code: 'NOT_FOUND', message: 'Destination wallet does not exist.' },
    ]);
    const { rows } = await ctx.db.query<{ amount: string }>(
      `select amount::text from operations where wallet_id = $1`,
      [user.walletId],
    );
    expect(rows).toEqual([{ amount: '40.00' }]);
    await ctx.expectLedgerInvariants();
  });

  it('refuses a direct UPDATE or DELETE of an operations or journal_entries row (append-only trigger)', async () => {
    const user = await ctx.fundedUser('25.00');
    const before = await ctx.db.query(`select * from operations where wallet_id = $1`, [user.walletId]);
    expect(before.rows).toHaveLength(1);
    const [operation] = before.rows as { id: string; transfer_id: string }[];
    const tampering: [string, string][] = [
      [`update operations set amount = amount + 1 where id = $1`, operation.id],
      [`update operations set balance_after = 0, sequence = 7 where id = $1`, operation.id],
      [`update operations set wallet_id = '${FUNDING_WALLET_ID}' where id = $1`, operation.id],
      [`delete from operations where id = $1`, operation.id],
      [`update journal_entries set type = 'TRANSFER' where id = $1`, operation.transfer_id],
      [`delete from journal_entries where id = $1`, operation.transfer_id],
    ];
    for (const [sql, id] of tampering) {
      // In a transaction rolled back either way: a missing trigger must fail this test, not corrupt the shared database.
      await ctx.db.query('begin');
      try {
        await expect(ctx.db.query(sql, [id])).rejects.toMatchObject({
          code: 'P0001',
          message: expect.stringMatching(/append-only/),
        });
      } finally {
        await ctx.db.query('rollback');
      }
    }
    const after = await ctx.db.query(`select * from operations where wallet_id = $1`, [user.walletId]);
    expect(after.rows).toEqual(before.rows);
    await expect(user.agent.get('/v1/wallets').expect(200)).resolves.toMatchObject({
      body: { data: { balance: '25.00' } },
    });
  });

  it('is caught by both the audit query and the raw-row check when a stored balance drifts from its operations', async () => {
    // Proves the two checks above can fail: drift one fresh wallet (wallets is not append-only), then restore it.
    const user = await ctx.fundedUser('10.00');
    await ctx.db.query(`update wallets set balance = balance + 0.01 where id = $1`, [user.walletId]);
    try {
      const report = await ctx.runAudit();
      expect(report.mismatches).toEqual([{ walletId: user.walletId, stored: '10.01', recomputed: '10.00' }]);
      expect(report.chainOk).toBe(false);
      expect(report.firstBreak).toEqual({
        walletId: user.walletId,
        operationId: null,
        sequence: null,
        problem: 'balance',
        expected: '10.00',
        found: '10.01',
      });
      expect(report.total).toBe('0.00');
      expect(ledgerViolations(await ctx.readLedger())).toEqual([
        `wallet ${user.walletId}: stored balance 10.01, sum of amounts 10.00`,
        `wallet ${user.walletId}: stored balance 10.01, last balance_after 10.00`,
      ]);
    } finally {
      await ctx.db.query(`update wallets set balance = balance - 0.01 where id = $1`, [user.walletId]);
    }
    await ctx.expectLedgerInvariants();
  });
});
