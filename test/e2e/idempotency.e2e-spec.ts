import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { IdempotencyKeyCleaner } from '@app/idempotency';
import {
  TestContext,
  useTestContext,
  snapshot,
  balanceOf,
  deposit,
  operationsOf,
  type OperationJson,
  type RegisteredUser,
  failure,
  INSUFFICIENT_FUNDS,
  KEY_REUSED,
  lockWaiters,
  until,
  wireStatementsDuring,
} from '@app/testing';

const KEY = 'Idempotency-Key';
const REPLAYED = 'idempotent-replayed';

const INVALID_KEY = failure(
  422,
  'UNPROCESSABLE_ENTITY',
  'INVALID_IDEMPOTENCY_KEY',
  'Must be 1 to 255 printable ASCII characters.',
  KEY,
);
const KEY_IN_PROGRESS = failure(
  409,
  'CONFLICT',
  'IDEMPOTENCY_KEY_IN_PROGRESS',
  'A request with this Idempotency-Key is still in progress; retry it later.',
  KEY,
);

function newKey(label = 'key'): string {
  return `${label}-${randomUUID()}`;
}

/**
 * Contract part B, "Idempotency": a keyed money-moving POST runs at most once
 * per user and key; a repeat replays the first answer, wherever and whenever
 * it arrives.
 */
describe('Idempotency-Key (contract part B)', () => {
  const ctx = useTestContext({ listen: true });

  interface StoredKey {
    fingerprint: string;
    response_status: number | null;
    response_body: string | null;
    kept_24h: boolean;
    expires_in_future: boolean;
  }

  /** The key rows of a user, by key. */
  async function storedKeys(userId: string): Promise<Map<string, StoredKey>> {
    const { rows } = await ctx.db.query<StoredKey & { key: string }>(
      `select key, fingerprint, response_status, response_body,
              expires_at - created_at >= interval '24 hours' as kept_24h,
              expires_at > now() + interval '23 hours' as expires_in_future
         from idempotency_keys where user_id = $1`,
      [userId],
    );
    return new Map(rows.map(({ key, ...row }) => [key, row]));
  }

  function transferWithKey(user: RegisteredUser, key: string, body: object) {
    return user.agent.post('/v1/wallets/transfer').set(KEY, key).send(body);
  }

  function depositWithKey(user: RegisteredUser, key: string, amount: string) {
    return user.agent.post('/v1/wallets/deposit').set(KEY, key).send({ amount });
  }

  describe('same key, same body', () => {
    it('replays the original status and body exactly, with Idempotent-Replayed: true, and posts nothing new', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const key = newKey();

      const first = await transferWithKey(alice, key, { destination: bob.walletId, amount: '12.34' });
      expect(first.status).toBe(200);
      expect(first.headers[REPLAYED]).toBeUndefined();
      expect(first.body.data).toEqual(expect.objectContaining({ amount: '-12.34', wallet_id: alice.walletId }));
      const after = await snapshot(alice, bob);
      expect(after.map((s) => [s.balance, s.operations.length])).toEqual([
        ['87.66', 2],
        ['12.34', 1],
      ]);

      for (let i = 0; i < 3; i++) {
        const again = await transferWithKey(alice, key, { destination: bob.walletId, amount: '12.34' });
        expect(again.status).toBe(200);
        expect(again.headers[REPLAYED]).toBe('true');
        expect(again.headers['content-type']).toMatch(/^application\/json/);
        expect(again.text).toBe(first.text);
      }
      expect(await snapshot(alice, bob)).toEqual(after);
    });

    it('replays a deposit the same way', async () => {
      const user = await ctx.registerUser();
      const key = newKey();
      const first = await depositWithKey(user, key, '7.07').expect(200);
      const again = await depositWithKey(user, key, '7.07').expect(200);
      expect(again.headers[REPLAYED]).toBe('true');
      expect(again.text).toBe(first.text);
      expect(await snapshot(user)).toEqual([{ balance: '7.07', operations: [first.body.data] }]);
    });

    it('treats the body re-serialised with other whitespace and key order as the same request', async () => {
      const alice = await ctx.fundedUser('50.00');
      const bob = await ctx.registerUser();
      const key = newKey();
      const first = await alice.agent
        .post('/v1/wallets/transfer')
        .set(KEY, key)
        .set('Content-Type', 'application/json')
        .send(`{"destination":"${bob.walletId}","amount":"5.00"}`)
        .expect(200);
      const after = await snapshot(alice, bob);

      const again = await alice.agent
        .post('/v1/wallets/transfer')
        .set(KEY, key)
        .set('Content-Type', 'application/json')
        .send(`{\n  "amount" :  "5.00" ,\n\t"destination": "${bob.walletId}"\n}\n`);
      expect(again.status).toBe(200);
      expect(again.headers[REPLAYED]).toBe('true');
      expect(again.text).toBe(first.text);
      expect(await snapshot(alice, bob)).toEqual(after);
      expect(after.map((s) => s.balance)).toEqual(['45.00', '5.00']);
    });

    it('replays a success even when running the request again would now fail', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const key = newKey();
      const first = await transferWithKey(alice, key, { destination: bob.walletId, amount: '10.00' }).expect(200);
      expect(await balanceOf(alice)).toBe('0.00');

      const again = await transferWithKey(alice, key, { destination: bob.walletId, amount: '10.00' });
      expect({ status: again.status, text: again.text }).toEqual({ status: 200, text: first.text });
      expect(await balanceOf(bob)).toBe('10.00');
    });

    it('replays after a restart of the API, and on two instances at once', async () => {
      const first = await TestContext.create();
      const user = await first.registerUser();
      const cookie = (
        await user.agent.post('/v1/auth/login').send({ username: user.username, password: user.password }).expect(200)
      ).headers['set-cookie'];
      const key = newKey();
      const original = await request(first.server)
        .post('/v1/wallets/deposit')
        .set('Cookie', cookie)
        .set(KEY, key)
        .send({ amount: '25.50' })
        .expect(200);
      expect(original.headers[REPLAYED]).toBeUndefined();
      await first.close();

      const second = await TestContext.create();
      const third = await TestContext.create();
      try {
        for (const instance of [second, third, second]) {
          const replay = await request(instance.server)
            .post('/v1/wallets/deposit')
            .set('Cookie', cookie)
            .set(KEY, key)
            .send({ amount: '25.50' });
          expect({ status: replay.status, replayed: replay.headers[REPLAYED], text: replay.text }).toEqual({
            status: 200,
            replayed: 'true',
            text: original.text,
          });
        }

        // A key first used on one running instance is replayed by the other.
        const other = newKey();
        const onSecond = await request(second.server)
          .post('/v1/wallets/deposit')
          .set('Cookie', cookie)
          .set(KEY, other)
          .send({ amount: '0.50' })
          .expect(200);
        expect(onSecond.headers[REPLAYED]).toBeUndefined();
        const onThird = await request(third.server)
          .post('/v1/wallets/deposit')
          .set('Cookie', cookie)
          .set(KEY, other)
          .send({ amount: '0.50' })
          .expect(200);
        expect(onThird.headers[REPLAYED]).toBe('true');
        expect(onThird.text).toBe(onSecond.text);

        const wallet = await request(third.server).get('/v1/wallets').set('Cookie', cookie).expect(200);
        expect(wallet.body.data.balance).toBe('26.00');
        const ops = await request(third.server).get('/v1/wallets/operations').set('Cookie', cookie).expect(200);
        expect(ops.body.data.map((op: OperationJson) => op.id)).toEqual([onSecond.body.data.id, original.body.data.id]);
      } finally {
        await second.close();
        await third.close();
      }
    });
  });

  describe('same key, other request', () => {
    it('answers 422 target Idempotency-Key for a different body, moving nothing', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const carol = await ctx.registerUser();
      const key = newKey();
      const first = await transferWithKey(alice, key, { destination: bob.walletId, amount: '10.00' }).expect(200);
      const after = await snapshot(alice, bob, carol);

      for (const body of [
        { destination: bob.walletId, amount: '10.01' },
        { destination: carol.walletId, amount: '10.00' },
        { destination: bob.walletId, amount: '10.00', note: 'extra field' },
        { destination: bob.walletId },
      ]) {
        const response = await transferWithKey(alice, key, body);
        expect({ status: response.status, body: response.body }).toEqual(KEY_REUSED);
        expect(response.headers[REPLAYED]).toBeUndefined();
      }
      expect(await snapshot(alice, bob, carol)).toEqual(after);

      // The key still answers its own request.
      const again = await transferWithKey(alice, key, { destination: bob.walletId, amount: '10.00' });
      expect({ status: again.status, text: again.text }).toEqual({ status: 200, text: first.text });
    });

    it('answers 422 target Idempotency-Key when the key is reused on another route, moving nothing', async () => {
      const alice = await ctx.registerUser();
      const bob = await ctx.registerUser();
      const key = newKey();
      await depositWithKey(alice, key, '10.00').expect(200);
      const after = await snapshot(alice, bob);

      const transfer = await transferWithKey(alice, key, { destination: bob.walletId, amount: '10.00' });
      expect({ status: transfer.status, body: transfer.body }).toEqual(KEY_REUSED);
      const hold = await alice.agent
        .post('/v1/wallets/holds')
        .set(KEY, key)
        .send({ destination: bob.walletId, amount: '10.00' });
      expect({ status: hold.status, body: hold.body }).toEqual(KEY_REUSED);
      expect(await snapshot(alice, bob)).toEqual(after);
      expect(await alice.agent.get('/v1/wallets').expect(200)).toHaveProperty('body.data.available', '10.00');
    });
  });

  describe('key format', () => {
    it.each<[string, string]>([
      ['empty', ''],
      ['256 characters long', 'k'.repeat(256)],
      ['non-ASCII (Latin-1 é)', 'cl\u00e9'],
      ['non-ASCII (UTF-8 bytes)', Buffer.from('ключ', 'utf8').toString('latin1')],
      ['with a tab', 'a\tb'],
    ])('rejects a key that is %s with 422 target Idempotency-Key, moving nothing', async (_label, key) => {
      const user = await ctx.registerUser();
      const response = await depositWithKey(user, key, '1.00');
      expect({ status: response.status, body: response.body }).toEqual(INVALID_KEY);
      expect(await snapshot(user)).toEqual([{ balance: '0.00', operations: [] }]);
      expect((await storedKeys(user.id)).size).toBe(0);
    });

    it('accepts a key of 255 characters, and one using every printable ASCII character', async () => {
      const user = await ctx.registerUser();
      const longest = 'k'.repeat(255);
      const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join(' ');
      for (const key of [longest, printable]) {
        const first = await depositWithKey(user, key, '1.00').expect(200);
        const again = await depositWithKey(user, key, '1.00').expect(200);
        expect(again.headers[REPLAYED]).toBe('true');
        expect(again.text).toBe(first.text);
      }
      expect(await balanceOf(user)).toBe('2.00');
      expect([...(await storedKeys(user.id)).keys()].sort()).toEqual([longest, printable].sort());
    });
  });

  it('scopes keys to the user: two users with the same key both post', async () => {
    const alice = await ctx.registerUser();
    const bob = await ctx.registerUser();
    const key = newKey('shared');
    const forAlice = await depositWithKey(alice, key, '3.00').expect(200);
    const forBob = await depositWithKey(bob, key, '4.00').expect(200);
    expect(forBob.headers[REPLAYED]).toBeUndefined();
    expect(forBob.body.data).toEqual(expect.objectContaining({ wallet_id: bob.walletId, amount: '4.00' }));
    expect(forBob.body.data.transfer_id).not.toBe(forAlice.body.data.transfer_id);
    expect(await snapshot(alice, bob)).toEqual([
      { balance: '3.00', operations: [forAlice.body.data] },
      { balance: '4.00', operations: [forBob.body.data] },
    ]);
    // Each user's key replays that user's own answer.
    const bobAgain = await depositWithKey(bob, key, '4.00').expect(200);
    expect(bobAgain.text).toBe(forBob.text);
  });

  describe('failures', () => {
    it('records a business failure (400 Insufficient funds) and replays it even after the user can pay', async () => {
      const alice = await ctx.fundedUser('5.00');
      const bob = await ctx.registerUser();
      const key = newKey();
      const body = { destination: bob.walletId, amount: '10.00' };

      const first = await transferWithKey(alice, key, body);
      expect({ status: first.status, body: first.body }).toEqual(INSUFFICIENT_FUNDS);
      expect(first.headers[REPLAYED]).toBeUndefined();
      expect((await storedKeys(alice.id)).get(key)).toEqual(
        expect.objectContaining({ response_status: 400, response_body: JSON.stringify(INSUFFICIENT_FUNDS.body) }),
      );

      await deposit(alice, '100.00');
      const again = await transferWithKey(alice, key, body);
      expect({ status: again.status, text: again.text }).toEqual({ status: 400, text: first.text });
      expect(again.headers[REPLAYED]).toBe('true');
      expect(await snapshot(bob)).toEqual([{ balance: '0.00', operations: [] }]);
      expect(await balanceOf(alice)).toBe('105.00');

      // Without the key the same request now succeeds: the replay, not the balance, refused it.
      await alice.agent.post('/v1/wallets/transfer').send(body).expect(200);
      expect(await balanceOf(bob)).toBe('10.00');
    });

    it('does not bind the key on a request-validation 422: the corrected request then runs', async () => {
      const alice = await ctx.fundedUser('20.00');
      const bob = await ctx.registerUser();
      const key = newKey();

      const invalid = await transferWithKey(alice, key, { destination: bob.walletId, amount: '1.001' });
      expect({ status: invalid.status, body: invalid.body }).toEqual(
        failure(
          422,
          'UNPROCESSABLE_ENTITY',
          'REQUEST_VALIDATION_FAILED',
          'Must have at most 2 decimal places.',
          'amount',
        ),
      );
      const badJson = await alice.agent
        .post('/v1/wallets/transfer')
        .set(KEY, key)
        .set('Content-Type', 'application/json')
        .send('{"destination": ');
      expect({ status: badJson.status, body: badJson.body }).toEqual(
        failure(422, 'BAD_REQUEST', 'INVALID_JSON_BODY', 'Invalid JSON body.'),
      );
      expect((await storedKeys(alice.id)).size).toBe(0);

      const corrected = await transferWithKey(alice, key, { destination: bob.walletId, amount: '1.00' });
      expect(corrected.status).toBe(200);
      expect(corrected.headers[REPLAYED]).toBeUndefined();
      expect(await balanceOf(bob)).toBe('1.00');
      const again = await transferWithKey(alice, key, { destination: bob.walletId, amount: '1.00' });
      expect({ status: again.status, replayed: again.headers[REPLAYED], text: again.text }).toEqual({
        status: 200,
        replayed: 'true',
        text: corrected.text,
      });
      expect(await balanceOf(alice)).toBe('19.00');
    });
  });

  describe('concurrent requests with one key', () => {
    function expectOnePosting(responses: request.Response[]): request.Response {
      for (const response of responses) {
        if (response.status === 409) {
          expect(response.body).toEqual(KEY_IN_PROGRESS.body);
        } else {
          expect(response.status).toBe(200);
        }
      }
      const succeeded = responses.filter((r) => r.status === 200);
      const ran = succeeded.filter((r) => r.headers[REPLAYED] === undefined);
      expect(ran).toHaveLength(1);
      for (const response of succeeded) expect(response.text).toBe(ran[0].text);
      return ran[0];
    }

    it('posts 20 parallel transfers with one key exactly once; every other answer replays it', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const key = newKey('race');
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => transferWithKey(alice, key, { destination: bob.walletId, amount: '1.00' })),
      );
      const ran = expectOnePosting(responses);
      expect(await balanceOf(alice)).toBe('99.00');
      expect(await snapshot(bob)).toEqual([
        { balance: '1.00', operations: [expect.objectContaining({ transfer_id: ran.body.data.transfer_id })] },
      ]);
      expect((await operationsOf(alice)).length).toBe(2);
      await ctx.expectLedgerInvariants();
    });

    it('posts once when 20 requests with one key all queue behind the first, held on its wallet lock', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const key = newKey('queued');
      // Hold the payer's wallet row: the first request claims the key and then waits on the wallet,
      // so every other request reaches the key while the first one is still running.
      const blocker = await ctx.connectDb();
      let pending: Promise<request.Response[]>;
      try {
        await blocker.query('begin');
        await blocker.query('select 1 from wallets where id = $1 for update', [alice.walletId]);
        pending = Promise.all(
          Array.from({ length: 20 }, () => transferWithKey(alice, key, { destination: bob.walletId, amount: '2.50' })),
        );
        // The first batch (claim taken, waiting on the wallet) is in PostgreSQL; the other requests
        // queue in the group committer behind it, and meet the key once it has committed.
        await until(async () => (await lockWaiters(blocker)) >= 1, 'the first batch waits on the wallet');
        expect(await lockWaiters(blocker)).toBe(1);
      } finally {
        await blocker.query('commit');
        await blocker.end();
      }
      const responses = await pending;

      const ran = expectOnePosting(responses);
      expect(ran.body.data.amount).toBe('-2.50');
      expect(await balanceOf(alice)).toBe('97.50');
      expect(await balanceOf(bob)).toBe('2.50');
      expect((await operationsOf(alice)).length).toBe(2);
      await ctx.expectLedgerInvariants();
    });

    it('completes 30 A→B and 30 B→A keyed transfers sent together, then replays all 60 without posting', async () => {
      const [a, b] = await Promise.all([ctx.fundedUser('100.00'), ctx.fundedUser('100.00')]);
      const sends = Array.from({ length: 60 }, (_, index) =>
        index % 2 === 0
          ? { from: a, body: { destination: b.walletId, amount: '1.01' }, key: newKey(`ab${index}`) }
          : { from: b, body: { destination: a.walletId, amount: '2.03' }, key: newKey(`ba${index}`) },
      );
      const first = await Promise.all(sends.map(({ from, key, body }) => transferWithKey(from, key, body)));
      expect(first.map((r) => r.status)).toEqual(Array(60).fill(200));
      expect(first.every((r) => r.headers[REPLAYED] === undefined)).toBe(true);
      const settled = await snapshot(a, b);
      // 100.00 − 30 × 1.01 + 30 × 2.03, and the mirror image.
      expect(settled.map((s) => [s.balance, s.operations.length])).toEqual([
        ['130.60', 61],
        ['69.40', 61],
      ]);

      const replays = await Promise.all(sends.map(({ from, key, body }) => transferWithKey(from, key, body)));
      replays.forEach((replay, index) => {
        expect({ status: replay.status, replayed: replay.headers[REPLAYED], text: replay.text }).toEqual({
          status: 200,
          replayed: 'true',
          text: first[index].text,
        });
      });
      expect(await snapshot(a, b)).toEqual(settled);
      await ctx.expectLedgerInvariants();
    });

    it('answers 409 CONFLICT while the key stays held past lock_timeout, and never posts twice', async () => {
      const user = await ctx.registerUser();
      const key = newKey('held');
      // Another instance's request holds the key in an open transaction.
      const other = await ctx.connectDb();
      try {
        await other.query('begin');
        await other.query(
          `insert into idempotency_keys (user_id, key, fingerprint, expires_at)
           values ($1, $2, repeat('0', 64), now() + interval '1 day')`,
          [user.id, key],
        );
        const waiting = await depositWithKey(user, key, '1.00');
        expect({ status: waiting.status, body: waiting.body }).toEqual(KEY_IN_PROGRESS);
        expect(await snapshot(user)).toEqual([{ balance: '0.00', operations: [] }]);
      } finally {
        // That request fails and rolls back: the key is free again.
        await other.query('rollback');
        await other.end();
      }
      const retried = await depositWithKey(user, key, '1.00').expect(200);
      expect(retried.headers[REPLAYED]).toBeUndefined();
      expect(await snapshot(user)).toEqual([{ balance: '1.00', operations: [retried.body.data] }]);
    });
  });

  describe('storage', () => {
    it('writes the key row with the answer the posting got, kept 24 hours', async () => {
      const user = await ctx.registerUser();
      const key = newKey();
      const response = await depositWithKey(user, key, '42.00').expect(200);
      const stored = (await storedKeys(user.id)).get(key)!;
      expect(stored).toEqual({
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        response_status: 200,
        response_body: expect.any(String),
        kept_24h: true,
        expires_in_future: true,
      });
      expect(JSON.parse(stored.response_body!)).toEqual(response.body.data);
    });

    /** Makes every `event` on `table` whose row matches `when` fail, for the duration of `body`. */
    async function failingWhile<T>(table: string, event: string, when: string, body: () => Promise<T>): Promise<T> {
      const name = `test_fail_${randomUUID().replace(/-/g, '')}`;
      await ctx.db.query(
        `create function ${name}() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$`,
      );
      await ctx.db.query(
        `create trigger ${name} before ${event} on ${table} for each row when (${when}) execute function ${name}()`,
      );
      try {
        return await body();
      } finally {
        await ctx.db.query(`drop trigger ${name} on ${table}`);
        await ctx.db.query(`drop function ${name}()`);
      }
    }

    const INTERNAL_ERROR = failure(500, 'INTERNAL_ERROR', 'INTERNAL_ERROR', 'Internal server error.');

    it('leaves no key when the posting fails: the key stays free and the retry posts once', async () => {
      const user = await ctx.registerUser();
      const key = newKey();
      const failed = await failingWhile('operations', 'insert', `new.wallet_id = '${user.walletId}'`, () =>
        depositWithKey(user, key, '8.00'),
      );
      expect({ status: failed.status, body: failed.body }).toEqual(INTERNAL_ERROR);
      expect((await storedKeys(user.id)).size).toBe(0);

      const retried = await depositWithKey(user, key, '8.00').expect(200);
      expect(retried.headers[REPLAYED]).toBeUndefined();
      expect(await snapshot(user)).toEqual([{ balance: '8.00', operations: [retried.body.data] }]);
    });

    it('leaves no posting when recording the key fails: both commit together or not at all', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const key = newKey();
      const before = await snapshot(alice, bob);
      const failed = await failingWhile(
        'idempotency_keys',
        'update',
        `new.user_id = '${alice.id}' and new.response_status is not null`,
        () => transferWithKey(alice, key, { destination: bob.walletId, amount: '4.00' }),
      );
      expect({ status: failed.status, body: failed.body }).toEqual(INTERNAL_ERROR);
      expect(await snapshot(alice, bob)).toEqual(before);
      expect((await storedKeys(alice.id)).size).toBe(0);

      const retried = await transferWithKey(alice, key, { destination: bob.walletId, amount: '4.00' }).expect(200);
      expect(retried.headers[REPLAYED]).toBeUndefined();
      expect((await snapshot(alice, bob)).map((s) => [s.balance, s.operations.length])).toEqual([
        ['6.00', 2],
        ['4.00', 1],
      ]);
      expect((await storedKeys(alice.id)).get(key)).toEqual(expect.objectContaining({ response_status: 200 }));
    });

    it('writes no key row for a request without the header; identical requests then post twice', async () => {
      const user = await ctx.registerUser();
      const first = await user.agent.post('/v1/wallets/deposit').send({ amount: '5.00' }).expect(200);
      const second = await user.agent.post('/v1/wallets/deposit').send({ amount: '5.00' }).expect(200);
      expect(second.headers[REPLAYED]).toBeUndefined();
      expect(second.body.data.transfer_id).not.toBe(first.body.data.transfer_id);
      expect(await snapshot(user)).toEqual([{ balance: '10.00', operations: [second.body.data, first.body.data] }]);
      expect((await storedKeys(user.id)).size).toBe(0);
    });

    it('purges expired keys and leaves live ones', async () => {
      const user = await ctx.registerUser();
      const [expired, live] = [newKey('expired'), newKey('live')];
      await depositWithKey(user, expired, '1.00').expect(200);
      await depositWithKey(user, live, '2.00').expect(200);
      await ctx.db.query(
        `update idempotency_keys set expires_at = now() - interval '1 second' where user_id = $1 and key = $2`,
        [user.id, expired],
      );

      expect(await ctx.app.get(IdempotencyKeyCleaner).purge()).toBeGreaterThanOrEqual(1);
      expect([...(await storedKeys(user.id)).keys()]).toEqual([live]);

      // The purged key is new again: the same request posts once more.
      const again = await depositWithKey(user, expired, '1.00').expect(200);
      expect(again.headers[REPLAYED]).toBeUndefined();
      expect(await balanceOf(user)).toBe('4.00');
      // Not the live one.
      expect((await depositWithKey(user, live, '2.00').expect(200)).headers[REPLAYED]).toBe('true');
      expect(await balanceOf(user)).toBe('4.00');
    });

    it('purges a backlog of expired keys batch after batch, each batch one short statement', async () => {
      const user = await ctx.registerUser();
      const keys = Array.from({ length: 5 }, (_, i) => newKey(`backlog-${i}`));
      for (const key of keys) await depositWithKey(user, key, '0.01').expect(200);
      await ctx.db.query(`update idempotency_keys set expires_at = now() - interval '1 second' where user_id = $1`, [
        user.id,
      ]);
      const statements = await wireStatementsDuring(() => ctx.app.get(IdempotencyKeyCleaner).purge(2));
      expect(statements.filter(({ text }) => /delete from idempotency_keys/i.test(text)).length).toBeGreaterThanOrEqual(3);
      expect((await storedKeys(user.id)).size).toBe(0);
    });

    it('lets a new request take over an expired key that was not purged yet, whatever its body', async () => {
      const user = await ctx.registerUser();
      const key = newKey();
      await depositWithKey(user, key, '10.00').expect(200);
      const before = (await storedKeys(user.id)).get(key)!;
      await ctx.db.query(
        `update idempotency_keys set expires_at = now() - interval '1 millisecond' where user_id = $1 and key = $2`,
        [user.id, key],
      );

      const takeover = await depositWithKey(user, key, '20.00');
      expect(takeover.status).toBe(200);
      expect(takeover.headers[REPLAYED]).toBeUndefined();
      expect(takeover.body.data.amount).toBe('20.00');
      expect(await balanceOf(user)).toBe('30.00');

      const after = (await storedKeys(user.id)).get(key)!;
      expect(after.fingerprint).not.toBe(before.fingerprint);
      expect(after).toEqual(expect.objectContaining({ response_status: 200, expires_in_future: true, kept_24h: true }));
      expect(JSON.parse(after.response_body!)).toEqual(takeover.body.data);

      // From now on the key belongs to the new request.
      const replay = await depositWithKey(user, key, '20.00').expect(200);
      expect(replay.headers[REPLAYED]).toBe('true');
      expect(replay.text).toBe(takeover.text);
      const old = await depositWithKey(user, key, '10.00');
      expect({ status: old.status, body: old.body }).toEqual(KEY_REUSED);
      expect(await balanceOf(user)).toBe('30.00');
    });
  });

  it('leaves the ledger sound', async () => {
    await ctx.expectLedgerInvariants();
  });
});
