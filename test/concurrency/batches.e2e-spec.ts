import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import {
  useTestContext,
  type RegisteredUser,
  cents,
  money,
  seededRandom,
  failure,
  INSUFFICIENT_FUNDS,
  DESTINATION_MISSING,
  KEY_REUSED,
} from '@app/testing';

/**
 * Issue 10 ("group commit"): concurrent money-moving commands may be queued
 * and committed in batches, with exactly the semantics of one transaction per
 * request. These bursts pin those semantics through HTTP, so that they hold
 * today (one transaction per request) and after the batcher lands:
 * - a business failure of one command affects no other;
 * - every answer is the one some serial order of the burst would give
 *   (receipts are running balances of one order, refusals justified in it);
 * - a database failure commits nothing of the commands it hit, answers a
 *   retryable 5xx, and their keyed retries post exactly once;
 * - duplicates of one Idempotency-Key post once and replay that answer;
 * - several API instances on one database keep all of the above.
 * Outcomes are designed to be order-independent, or the test enumerates the
 * acceptable ones: a burst's arrival order is not the test's to choose.
 */

const KEY = 'Idempotency-Key';
const REPLAYED = 'idempotent-replayed';

const KEY_IN_PROGRESS = failure(
  409,
  'CONFLICT',
  'IDEMPOTENCY_KEY_IN_PROGRESS',
  'A request with this Idempotency-Key is still in progress; retry it later.',
  KEY,
);
const CAPTURE_EXCEEDS_HOLD = failure(
  422,
  'UNPROCESSABLE_ENTITY',
  'CAPTURE_EXCEEDS_HOLD',
  'Must not exceed the held amount.',
  'amount',
);
const ALREADY_CAPTURED = failure(409, 'CONFLICT', 'HOLD_ALREADY_RESOLVED', 'Hold was already captured.');
const ALREADY_VOIDED = failure(409, 'CONFLICT', 'HOLD_ALREADY_RESOLVED', 'Hold was already voided.');
const ALREADY_REVERSED = failure(409, 'CONFLICT', 'ALREADY_REVERSED', 'This transfer was already reversed.');
/** The caller's own wallet is frozen (it pays, or a deposit credits it): the owner is told what to do. */
const YOURS_FROZEN = failure(
  403,
  'FORBIDDEN',
  'WALLET_FROZEN',
  'Your wallet is frozen: it cannot send or receive money. Contact support to have it reviewed.',
);
const DESTINATION_FROZEN = failure(
  403,
  'FORBIDDEN',
  'WALLET_FROZEN',
  'The destination wallet is frozen and cannot receive money.',
  'destination',
);
const UNAVAILABLE = {
  status: { success: false, errors: [expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', target: '__all__' })] },
  data: null,
};

type Expected = { status: number; body: unknown };

/** Status and body of an answer, to compare with an expected failure in one assertion. */
const answer = (response: request.Response) => ({ status: response.status, body: response.body });

/** How many responses had each status, e.g. { 200: 10, 400: 4 }. */
function statusCounts(responses: request.Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
  return counts;
}

const sortedCents = (texts: string[]) => texts.map(cents).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

describe('money commands in concurrent bursts (issue 10: batch semantics)', () => {
  // LOG_LEVEL error: the 503s the lost-connection test provokes are expected, their access lines noise.
  const ctx = useTestContext({ listen: true, env: { LOG_LEVEL: 'error' } });
  let admin: RegisteredUser;

  beforeAll(async () => {
    admin = await ctx.adminUser();
  });

  /** A wallet's operations as stored, in sequence order. */
  async function storedOperations(walletId: string) {
    const { rows } = await ctx.db.query<{
      transfer_id: string;
      amount: string;
      sequence: number;
      balance_after: string;
    }>(
      `select transfer_id, amount::text, sequence::int, balance_after::text
         from operations where wallet_id = $1 order by sequence`,
      [walletId],
    );
    return rows;
  }

  /** The wallet's balance and available balance, and that its n operations are numbered 1..n with running balances. */
  async function expectWallet(
    user: RegisteredUser,
    expected: { balance: string; available?: string; operations: number },
  ) {
    const funds = await ctx.fundsOf(user);
    const ops = await storedOperations(user.walletId);
    let running = 0n;
    const runningOk = ops.every((op) => {
      running += cents(op.amount);
      return cents(op.balance_after) === running;
    });
    expect({
      wallet: user.username,
      balance: funds.balance,
      available: funds.available,
      operations: ops.length,
      sequences: ops.map((op) => op.sequence),
      runningOk,
    }).toEqual({
      wallet: user.username,
      balance: expected.balance,
      available: expected.available ?? expected.balance,
      operations: expected.operations,
      sequences: Array.from({ length: expected.operations }, (_, i) => i + 1),
      runningOk: true,
    });
  }

  /** How many journal entries (and legs) carry this transfer_id. */
  async function legsOf(transferId: string): Promise<number> {
    const { rows } = await ctx.db.query<{ n: number }>(
      `select count(*)::int as n from operations where transfer_id = $1`,
      [transferId],
    );
    return rows[0].n;
  }

  const freeze = (walletId: string) => admin.agent.post(`/v1/admin/wallets/${walletId}/freeze`).send({}).expect(200);
  const transfer = (from: RegisteredUser | TestAgent, to: string, amount: string, key?: string) => {
    const agent = 'walletId' in from ? from.agent : from;
    const post = agent.post('/v1/wallets/transfer');
    return (key === undefined ? post : post.set(KEY, key)).send({ destination: to, amount });
  };
  const deposit = (user: RegisteredUser, amount: string, key?: string) => {
    const post = user.agent.post('/v1/wallets/deposit');
    return (key === undefined ? post : post.set(KEY, key)).send({ amount });
  };
  const capture = (user: RegisteredUser, holdId: string, amount?: string) =>
    user.agent.post(`/v1/holds/${holdId}/capture`).send(amount === undefined ? {} : { amount });
  const voidHold = (user: RegisteredUser, holdId: string) => user.agent.post(`/v1/holds/${holdId}/void`).send({});

  /**
   * A keyed request answered 409 "still in progress" (allowed by the contract
   * while the first one runs) is sent again, as a client would, until it gets
   * the key's final answer. Polling, bounded; never an assertion on time.
   */
  async function settle(response: request.Response, resend: () => request.Test): Promise<request.Response> {
    let current = response;
    for (let attempt = 0; attempt < 100 && current.status === 409; attempt++) {
      expect(answer(current)).toEqual(KEY_IN_PROGRESS);
      await new Promise((resolve) => setTimeout(resolve, 20));
      current = await resend();
    }
    return current;
  }

  /**
   * Of the answers to one key: exactly one ran (no Idempotent-Replayed), every
   * other one replays it byte for byte. Returns the one that ran.
   */
  function expectOneRanOthersReplay(responses: request.Response[]): request.Response {
    const ran = responses.filter((r) => r.headers[REPLAYED] === undefined);
    expect(ran).toHaveLength(1);
    for (const response of responses) {
      expect({ status: response.status, text: response.text }).toEqual({ status: ran[0].status, text: ran[0].text });
      if (response !== ran[0]) expect(response.headers[REPLAYED]).toBe('true');
    }
    return ran[0];
  }

  it('answers each command of a burst as if it ran alone: business refusals touch no other command', async () => {
    const [rich, poor, receiver, iced, holder] = await Promise.all([
      ctx.fundedUser('100.00'),
      ctx.fundedUser('5.00'),
      ctx.registerUser(),
      ctx.fundedUser('3.00'),
      ctx.fundedUser('30.00'),
    ]);
    await freeze(iced.walletId);
    const bigHold = await ctx.placeHold(holder, receiver.walletId, '10.00');
    const smallHold = await ctx.placeHold(holder, receiver.walletId, '5.00');
    const nowhere = randomUUID();

    // Every command with the answer it must get whatever the order; `poor`'s three 2.00 transfers
    // out of 5.00 are the one order-dependent group: exactly two pass, whichever they are.
    const burst: { send: () => request.Test; expect: Expected | 'ok' | 'poor' }[] = [
      ...Array.from({ length: 8 }, () => ({
        send: () => transfer(rich, receiver.walletId, '1.00'),
        expect: 'ok' as const,
      })),
      { send: () => transfer(rich, iced.walletId, '1.00'), expect: DESTINATION_FROZEN },
      { send: () => transfer(rich, nowhere, '1.00'), expect: DESTINATION_MISSING },
      ...Array.from({ length: 3 }, () => ({
        send: () => transfer(poor, receiver.walletId, '2.00'),
        expect: 'poor' as const,
      })),
      { send: () => transfer(poor, receiver.walletId, '50.00'), expect: INSUFFICIENT_FUNDS },
      // Funds are checked before the destination: still 400, not 404.
      { send: () => transfer(poor, nowhere, '50.00'), expect: INSUFFICIENT_FUNDS },
      { send: () => transfer(iced, receiver.walletId, '1.00'), expect: YOURS_FROZEN },
      ...Array.from({ length: 4 }, () => ({ send: () => deposit(receiver, '0.25'), expect: 'ok' as const })),
      { send: () => deposit(iced, '1.00'), expect: YOURS_FROZEN },
      { send: () => capture(holder, bigHold.id, '10.01'), expect: CAPTURE_EXCEEDS_HOLD },
      { send: () => capture(holder, smallHold.id, '3.00'), expect: 'ok' as const },
      // 30.00 less 15.00 held: exactly what is available before and after the capture.
      { send: () => transfer(holder, receiver.walletId, '15.00'), expect: 'ok' as const },
    ];

    const responses = await Promise.all(burst.map((command) => command.send()));

    responses.forEach((response, index) => {
      const expected = burst[index].expect;
      if (expected === 'ok') expect({ index, status: response.status }).toEqual({ index, status: 200 });
      else if (expected === 'poor') expect([200, 400]).toContain(response.status);
      else expect({ index, ...answer(response) }).toEqual({ index, ...expected });
    });
    const poorAnswers = responses.filter((_, index) => burst[index].expect === 'poor');
    expect(statusCounts(poorAnswers)).toEqual({ 200: 2, 400: 1 });
    for (const refused of poorAnswers.filter((r) => r.status === 400))
      expect(answer(refused)).toEqual(INSUFFICIENT_FUNDS);

    // Receipts are the running balances of one serial order: 99.00 down to 92.00, 3.00 then 1.00.
    const richReceipts = responses.slice(0, 8).map((r) => r.body.data.balance_after as string);
    expect(sortedCents(richReceipts)).toEqual(Array.from({ length: 8 }, (_, i) => BigInt(9200 + i * 100)));
    expect(sortedCents(poorAnswers.filter((r) => r.status === 200).map((r) => r.body.data.balance_after))).toEqual([
      100n,
      300n,
    ]);
    const captured = responses[burst.length - 2].body.data;
    expect(captured).toMatchObject({ id: smallHold.id, status: 'CAPTURED', captured_amount: '3.00' });

    // Every posted entry is in the ledger once, with its two legs.
    const posted = responses.filter((r) => r.status === 200).map((r) => r.body.data.transfer_id as string);
    expect(new Set(posted).size).toBe(posted.length);
    for (const transferId of posted) expect(await legsOf(transferId)).toBe(2);

    await expectWallet(rich, { balance: '92.00', operations: 9 });
    await expectWallet(poor, { balance: '1.00', operations: 3 });
    // 8 × 1.00 + 2 × 2.00 + 4 × 0.25 + 15.00 + the 3.00 capture.
    await expectWallet(receiver, { balance: '31.00', operations: 16 });
    await expectWallet(iced, { balance: '3.00', operations: 1 });
    // The big hold still reserves 10.00; the small one is captured and released.
    await expectWallet(holder, { balance: '12.00', available: '2.00', operations: 3 });
    await ctx.expectLedgerInvariants();
  });

  describe('one Idempotency-Key many times in one burst', () => {
    it('posts each key once and answers every duplicate with the same bytes, replayed', async () => {
      const alice = await ctx.fundedUser('50.00');
      const bob = await ctx.registerUser();
      const [paid, deposited, refused] = [`paid-${randomUUID()}`, `dep-${randomUUID()}`, `refused-${randomUUID()}`];
      const groups = {
        paid: () => transfer(alice, bob.walletId, '7.00', paid),
        deposited: () => deposit(alice, '1.50', deposited),
        // A business failure is recorded and replayed like a success.
        refused: () => transfer(alice, bob.walletId, '500.00', refused),
        unkeyed: () => transfer(alice, bob.walletId, '0.10'),
      };
      const plan: (keyof typeof groups)[] = [
        ...Array<'paid'>(10).fill('paid'),
        ...Array<'deposited'>(6).fill('deposited'),
        ...Array<'refused'>(6).fill('refused'),
        ...Array<'unkeyed'>(4).fill('unkeyed'),
      ];
      // Interleaved (7 is prime to 26), so that the duplicates of a key do not arrive side by side.
      const shuffled = plan.map((group, i) => ({ group, i })).sort((a, b) => ((a.i * 7) % 26) - ((b.i * 7) % 26));

      const first = await Promise.all(shuffled.map(({ group }) => groups[group]()));
      const settled = await Promise.all(
        first.map((response, i) =>
          shuffled[i].group === 'unkeyed' ? response : settle(response, groups[shuffled[i].group]),
        ),
      );
      const of = (group: keyof typeof groups) => settled.filter((_, i) => shuffled[i].group === group);

      const ranPaid = expectOneRanOthersReplay(of('paid'));
      expect(ranPaid.status).toBe(200);
      expect(ranPaid.body.data).toMatchObject({ wallet_id: alice.walletId, amount: '-7.00' });
      const ranDeposit = expectOneRanOthersReplay(of('deposited'));
      expect(ranDeposit.body.data).toMatchObject({ wallet_id: alice.walletId, amount: '1.50' });
      expect(answer(expectOneRanOthersReplay(of('refused')))).toEqual(INSUFFICIENT_FUNDS);
      expect(statusCounts(of('unkeyed'))).toEqual({ 200: 4 });
      expect(of('unkeyed').every((r) => r.headers[REPLAYED] === undefined)).toBe(true);

      expect(await legsOf(ranPaid.body.data.transfer_id)).toBe(2);
      expect(await legsOf(ranDeposit.body.data.transfer_id)).toBe(2);
      // 50.00 − 7.00 + 1.50 − 4 × 0.10; one operation per posting.
      await expectWallet(alice, { balance: '44.10', operations: 7 });
      await expectWallet(bob, { balance: '7.40', operations: 5 });
      const { rows } = await ctx.db.query<{ key: string; response_status: number }>(
        `select key, response_status from idempotency_keys where user_id = $1 order by response_status, key`,
        [alice.id],
      );
      expect(rows).toEqual(
        [
          { key: deposited, response_status: 200 },
          { key: paid, response_status: 200 },
          { key: refused, response_status: 400 },
        ].sort((x, y) => x.response_status - y.response_status || (x.key < y.key ? -1 : 1)),
      );

      // Sent again after the burst: still the same bytes, nothing new.
      const again = await groups.paid();
      expect({ status: again.status, replayed: again.headers[REPLAYED], text: again.text }).toEqual({
        status: 200,
        replayed: 'true',
        text: ranPaid.text,
      });
      await expectWallet(alice, { balance: '44.10', operations: 7 });
      await ctx.expectLedgerInvariants();
    });

    it('runs the first of one key sent with two bodies; the other body answers 422, and one posting is made', async () => {
      const carol = await ctx.fundedUser('20.00');
      const dave = await ctx.registerUser();
      const key = `two-bodies-${randomUUID()}`;
      const bodies = ['3.00', '4.00'];
      const sends = Array.from({ length: 12 }, (_, i) => bodies[i % 2]);
      const send = (amount: string) => () => transfer(carol, dave.walletId, amount, key);

      const responses = await Promise.all(
        (await Promise.all(sends.map((amount) => send(amount)()))).map((response, i) =>
          settle(response, send(sends[i])),
        ),
      );

      // Whichever body arrived first ran; its duplicates replay it, the other body is refused.
      const ran = responses.filter((r) => r.status === 200 && r.headers[REPLAYED] === undefined);
      expect(ran).toHaveLength(1);
      const winner = ran[0].body.data.amount.slice(1) as string;
      expect(bodies).toContain(winner);
      responses.forEach((response, i) => {
        if (sends[i] === winner) {
          expect({ status: response.status, text: response.text }).toEqual({ status: 200, text: ran[0].text });
        } else {
          expect(answer(response)).toEqual(KEY_REUSED);
          expect(response.headers[REPLAYED]).toBeUndefined();
        }
      });
      expect(responses.filter((r) => r.headers[REPLAYED] === 'true')).toHaveLength(5);

      const spent = cents(winner);
      await expectWallet(carol, { balance: money(2000n - spent), operations: 2 });
      await expectWallet(dave, { balance: winner, operations: 1 });
      expect(answer(await send(bodies.find((b) => b !== winner)!)())).toEqual(KEY_REUSED);
      await ctx.expectLedgerInvariants();
    });

    it('replays a used key to its own body and refuses only the other body, when both arrive together', async () => {
      const erin = await ctx.fundedUser('20.00');
      const frank = await ctx.registerUser();
      const key = `used-${randomUUID()}`;
      const first = await transfer(erin, frank.walletId, '2.00', key).expect(200);
      // The other body first each time: a repeat must be judged against the key's own request, not
      // against whichever request with the key happened to come before it.
      const sends = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? '5.00' : '2.00'));
      const send = (amount: string) => () => transfer(erin, frank.walletId, amount, key);

      const responses = await Promise.all(
        (await Promise.all(sends.map((amount) => send(amount)()))).map((response, i) =>
          settle(response, send(sends[i])),
        ),
      );

      responses.forEach((response, i) => {
        if (sends[i] === '2.00') {
          expect({ i, status: response.status, replayed: response.headers[REPLAYED], text: response.text }).toEqual({
            i,
            status: 200,
            replayed: 'true',
            text: first.text,
          });
        } else {
          expect({ i, ...answer(response) }).toEqual({ i, ...KEY_REUSED });
        }
      });
      await expectWallet(erin, { balance: '18.00', operations: 2 });
      await expectWallet(frank, { balance: '2.00', operations: 1 });
    });
  });

  it('settles a burst mixing deposits, transfers, hold place/capture/void and a reversal to one of the serial outcomes', async () => {
    const [a, b, c, d] = await Promise.all([
      ctx.fundedUser('100.00'),
      ctx.fundedUser('50.00'),
      ctx.registerUser(),
      ctx.fundedUser('20.00'),
    ]);
    const paid = await ctx.transfer(b, c.walletId, '6.00');
    const raced = await ctx.placeHold(a, c.walletId, '10.00');
    const voided = await ctx.placeHold(a, c.walletId, '8.00');
    const partly = await ctx.placeHold(d, b.walletId, '5.00');
    const reverse = () =>
      admin.agent.post(`/v1/admin/transfers/${paid.transfer_id}/reversal`).send({ reason: 'burst' });

    // Every payer can afford all of its payments in any order (c pays only the reversal, out of
    // money nobody else takes from it), so only the two races below have order-dependent answers.
    const sends = {
      deposits: [deposit(c, '1.00'), deposit(c, '1.00'), deposit(c, '1.00'), deposit(a, '2.00')],
      aToB: Array.from({ length: 5 }, () => transfer(a, b.walletId, '1.00')),
      bToA: Array.from({ length: 5 }, () => transfer(b, a.walletId, '0.50')),
      dToC: Array.from({ length: 3 }, () => transfer(d, c.walletId, '1.00')),
      placed: [b.agent.post('/v1/wallets/holds').send({ destination: d.walletId, amount: '4.00' })],
      // The race: capture and void of one hold.
      capturedRaced: [capture(a, raced.id)],
      voidedRaced: [voidHold(a, raced.id)],
      voided: [voidHold(a, voided.id)],
      partly: [capture(d, partly.id, '2.00')],
      // The other race: one transfer reversed twice.
      reversals: [reverse(), reverse()],
    };
    const names = Object.keys(sends) as (keyof typeof sends)[];
    const flat = names.flatMap((name) => sends[name].map((test) => ({ name, test })));
    const responses = await Promise.all(flat.map(({ test }) => test));
    const got = Object.fromEntries(
      names.map((name) => [name, responses.filter((_, i) => flat[i].name === name)]),
    ) as Record<keyof typeof sends, request.Response[]>;

    for (const name of ['deposits', 'aToB', 'bToA', 'dToC', 'placed', 'voided', 'partly'] as const) {
      expect({ name, statuses: got[name].map((r) => r.status) }).toEqual({ name, statuses: got[name].map(() => 200) });
    }
    expect(got.placed[0].body.data).toMatchObject({ status: 'PENDING', amount: '4.00', source_wallet_id: b.walletId });
    expect(got.voided[0].body.data).toMatchObject({ id: voided.id, status: 'VOIDED' });
    expect(got.partly[0].body.data).toMatchObject({ id: partly.id, status: 'CAPTURED', captured_amount: '2.00' });

    // Race 1: exactly one of capture and void wins; the loser hears what the winner did.
    const captureWon = got.capturedRaced[0].status === 200;
    if (captureWon) {
      expect(got.capturedRaced[0].body.data).toMatchObject({
        id: raced.id,
        status: 'CAPTURED',
        captured_amount: '10.00',
      });
      expect(answer(got.voidedRaced[0])).toEqual(ALREADY_CAPTURED);
    } else {
      expect(answer(got.capturedRaced[0])).toEqual(ALREADY_VOIDED);
      expect(got.voidedRaced[0].body.data).toMatchObject({ id: raced.id, status: 'VOIDED' });
    }
    // Race 2: the transfer is reversed once.
    expect(statusCounts(got.reversals)).toEqual({ 200: 1, 409: 1 });
    expect(answer(got.reversals.find((r) => r.status === 409)!)).toEqual(ALREADY_REVERSED);
    const reversal = got.reversals.find((r) => r.status === 200)!.body.data;
    expect(reversal).toMatchObject({ type: 'REVERSAL', reversed_transfer_id: paid.transfer_id });
    expect(reversal.operations.map((op: { wallet_id: string; amount: string }) => [op.wallet_id, op.amount])).toEqual([
      [c.walletId, '-6.00'],
      [b.walletId, '6.00'],
    ]);

    const won = captureWon ? 1000n : 0n;
    // a: 100 + 2 − 5 × 1.00 + 5 × 0.50 (− 10 if the capture won); both of its holds are settled.
    await expectWallet(a, { balance: money(9950n - won), operations: captureWon ? 13 : 12 });
    // b: 50 − 6 + 5 − 2.50 + 2 (partial capture) + 6 (reversal); 4.00 of it held for d.
    await expectWallet(b, { balance: '54.50', available: '50.50', operations: 14 });
    // c: 6 + 3 + 3 − 6 (+ 10 if the capture won).
    await expectWallet(c, { balance: money(600n + won), operations: captureWon ? 9 : 8 });
    // d: 20 − 2 − 3, its hold resolved by the partial capture.
    await expectWallet(d, { balance: '15.00', operations: 5 });
    const { rows } = await ctx.db.query<{ n: number }>(
      `select count(*)::int as n from journal_entries where reverses_id = $1`,
      [paid.transfer_id],
    );
    expect(rows[0].n).toBe(1);
    await ctx.expectLedgerInvariants();
  });

  it('answers 503 to keyed transfers whose transaction died on a lost connection, posts nothing, and posts each retry once', async () => {
    const [alice, bob] = await Promise.all([ctx.fundedUser('100.00'), ctx.fundedUser('100.00')]);
    const before = await ctx.snapshot(alice, bob);
    // Six keyed transfers, all touching alice's wallet (three from it, three to it).
    const commands = [
      { from: alice, to: bob, amount: '10.00' },
      { from: alice, to: bob, amount: '11.00' },
      { from: alice, to: bob, amount: '12.00' },
      { from: bob, to: alice, amount: '5.00' },
      { from: bob, to: alice, amount: '6.00' },
      { from: bob, to: alice, amount: '7.00' },
    ].map((command) => ({ ...command, key: `cut-${randomUUID()}` }));
    const send = (command: (typeof commands)[number]) =>
      transfer(command.from, command.to.walletId, command.amount, command.key);

    // The test's own connection holds alice's wallet row: every one of them blocks inside its transaction.
    const holder = await ctx.connectDb();
    await holder.query('begin');
    await holder.query('select 1 from wallets where id = $1 for update', [alice.walletId]);
    const holderPid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
    let terminated = 0;
    let answers: request.Response[];
    try {
      const answered = new Set<number>();
      const pending = Promise.all(
        commands.map((command, i) =>
          send(command).then((response) => {
            answered.add(i);
            return response;
          }),
        ),
      );
      // Kill the service's backends waiting on a lock, as they appear, until every request has answered.
      // (Not "wait for six waiters, then kill": a batcher may carry several commands on one backend, and
      // may retry a batch on a new one. The lock is held throughout, so no command can commit meanwhile.)
      const deadline = Date.now() + 30_000;
      while (answered.size < commands.length) {
        if (Date.now() > deadline) throw new Error(`only ${answered.size} of ${commands.length} answered`);
        const { rows } = await ctx.db.query<{ killed: boolean }>(
          `select pg_terminate_backend(pid) as killed from pg_stat_activity
            where datname = current_database() and application_name like 'wallet-ledger%'
              and wait_event_type = 'Lock' and pid <> $1`,
          [holderPid],
        );
        terminated += rows.filter((row) => row.killed).length;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      answers = await pending;
    } finally {
      await holder.query('rollback');
      await holder.end();
    }

    expect(terminated).toBeGreaterThanOrEqual(1);
    // A retryable error for each, never a 200 for what could not commit.
    for (const response of answers) {
      expect({ status: response.status, retryAfter: response.headers['retry-after'], body: response.body }).toEqual({
        status: 503,
        retryAfter: '2',
        body: UNAVAILABLE,
      });
    }
    expect(await ctx.snapshot(alice, bob)).toEqual(before);

    // Each retry with its key and body runs (it is not a replay) and posts once; a second retry replays.
    const retried = await Promise.all(commands.map(send));
    for (const response of retried) {
      expect({ status: response.status, replayed: response.headers[REPLAYED] }).toEqual({
        status: 200,
        replayed: undefined,
      });
    }
    expect(new Set(retried.map((r) => r.body.data.transfer_id)).size).toBe(commands.length);
    // alice: 100 − 33 + 18; bob the mirror image; one operation per transfer on each side.
    await expectWallet(alice, { balance: '85.00', operations: 7 });
    await expectWallet(bob, { balance: '115.00', operations: 7 });
    const replayed = await Promise.all(commands.map(send));
    replayed.forEach((response, i) => {
      expect({ status: response.status, replayed: response.headers[REPLAYED], text: response.text }).toEqual({
        status: 200,
        replayed: 'true',
        text: retried[i].text,
      });
    });
    await expectWallet(alice, { balance: '85.00', operations: 7 });
    await ctx.expectLedgerInvariants();
  });

  describe('on two API instances sharing the database', () => {
    const second = useTestContext({ listen: true });

    it('posts every acknowledged transfer once, in both directions across both instances, with keyed duplicates on each', async () => {
      const { between } = seededRandom(1010);
      const users = await Promise.all(Array.from({ length: 4 }, () => ctx.fundedUser('30.00')));
      // Each user also logged in on the second instance, with an agent of its own.
      const onSecond = await Promise.all(
        users.map(async (user) => {
          const agent = request.agent(second.server);
          await agent.post('/v1/auth/login').send({ username: user.username, password: user.password }).expect(200);
          return agent;
        }),
      );
      type Send = { from: number; to: number; amount: string; key?: string; instance: 0 | 1 };
      const pair = () => {
        const from = between(0, 3);
        return { from, to: (from + between(1, 3)) % 4 };
      };
      const sends: Send[] = Array.from({ length: 64 }, (_, i) => ({
        ...pair(),
        amount: money(BigInt(between(50, 700))),
        instance: (i % 2) as 0 | 1,
      }));
      // Eight keys, each sent to both instances (one of them twice), spread through the burst.
      for (let k = 0; k < 8; k++) {
        const keyed = { ...pair(), amount: money(BigInt(between(50, 400))), key: `both-${k}-${randomUUID()}` };
        for (const instance of [0, 1, (k % 2) as 0 | 1] as const)
          sends.splice(between(0, sends.length), 0, { ...keyed, instance });
      }
      const fire = (s: Send) =>
        transfer(s.instance === 0 ? users[s.from] : onSecond[s.from], users[s.to].walletId, s.amount, s.key);

      const first = await Promise.all(sends.map(fire));
      const responses = await Promise.all(
        first.map((response, i) => (sends[i].key ? settle(response, () => fire(sends[i])) : response)),
      );

      // Posted, or refused for funds; never a 5xx, a deadlock or a conflict surfaced to the client.
      responses.forEach((response, i) => {
        if (response.status === 400) expect({ i, ...answer(response) }).toEqual({ i, ...INSUFFICIENT_FUNDS });
        else expect({ i, status: response.status }).toEqual({ i, status: 200 });
      });
      const counts = statusCounts(responses);
      expect(counts[200]).toBeGreaterThan(20);

      // Each key ran once, on whichever instance, and every other send of it replays that.
      const keys = [...new Set(sends.flatMap((s) => (s.key ? [s.key] : [])))];
      for (const key of keys) expectOneRanOthersReplay(responses.filter((_, i) => sends[i].key === key));

      // Every acknowledged posting is in the ledger exactly once, and nothing else moved between them.
      const acknowledged = new Map<string, Send>();
      responses.forEach((response, i) => {
        if (response.status === 200) acknowledged.set(response.body.data.transfer_id, sends[i]);
      });
      const walletIds = users.map((user) => user.walletId);
      const { rows } = await ctx.db.query<{ transfer_id: string; legs: number }>(
        `select transfer_id, count(*)::int as legs from operations
          where wallet_id = any($1::uuid[]) and type = 'TRANSFER' group by transfer_id`,
        [walletIds],
      );
      expect(new Map(rows.map((row) => [row.transfer_id, row.legs]))).toEqual(
        new Map([...acknowledged.keys()].map((id) => [id, 2])),
      );

      const balances = users.map(() => 3000n);
      const postings = users.map(() => 1);
      for (const s of acknowledged.values()) {
        balances[s.from] -= cents(s.amount);
        balances[s.to] += cents(s.amount);
        postings[s.from]++;
        postings[s.to]++;
      }
      expect(balances.reduce((sum, x) => sum + x, 0n)).toBe(12000n);
      for (const [i, user] of users.entries()) {
        await expectWallet(user, { balance: money(balances[i]), operations: postings[i] });
      }
      await ctx.expectLedgerInvariants();
    });
  });
});
