import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { MoneyMovements } from '@app/transfers';
import {
  lockWaiters,
  type RegisteredUser,
  renderStatements,
  until,
  useTestContext,
  type WireStatement,
  wireStatementsDuring,
} from '@app/testing';

/**
 * The statements of the money path are pinned in committed files
 * (test/queries/*.sql), so that a change adding a round trip to a keyed
 * transfer shows up in review as a diff. UPDATE_QUERIES=1 rewrites them.
 */
const QUERIES = join(__dirname, '..', 'queries');
const KEY = 'Idempotency-Key';

function expectPinned(file: string, statements: readonly WireStatement[], header: string): void {
  const text = `-- ${header}\n-- Recorded by test/e2e/hot-path-sql.e2e-spec.ts (UPDATE_QUERIES=1 rewrites it).\n\n${renderStatements(statements)}\n`;
  const path = join(QUERIES, file);
  if (process.env.UPDATE_QUERIES === '1' && !process.env.TEST_PGBOUNCER_PORT) writeFileSync(path, text);
  const pinned = readFileSync(path, 'utf8');
  // The PgBouncer pass (DB_POOLER=pgbouncer-transaction): the same statements, none of them named.
  expect(text).toBe(process.env.TEST_PGBOUNCER_PORT ? pinned.replace(/, prepared as [\w]+/g, '') : pinned);
}

describe('the SQL of a keyed transfer (pinned in test/queries/)', () => {
  const ctx = useTestContext();

  it('alone: every statement of the request, session read included', async () => {
    const [alice, bob] = await Promise.all([ctx.fundedUser('100.00'), ctx.registerUser()]);
    const sent = await wireStatementsDuring(() =>
      alice.agent
        .post('/v1/wallets/transfer')
        .set(KEY, 'pinned-alone')
        .send({ destination: bob.walletId, amount: '1.00' })
        .expect(200),
    );
    expectPinned('keyed-transfer.sql', sent, 'POST /v1/wallets/transfer with an Idempotency-Key, alone.');
  });

  it('in a batch of four: the same statements, whatever the number of transfers', async () => {
    const [alice, bob] = await Promise.all([ctx.fundedUser('100.00'), ctx.fundedUser('100.00')]);
    const others = await Promise.all([1, 2, 3, 4].map(() => ctx.fundedUser('10.00')));
    const committer = ctx.app.get(MoneyMovements);
    // A first transfer holds the group committer on a wallet this test locked; four more queue
    // behind it and make the next batch together.
    const blocker = await ctx.connectDb();
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from wallets where id = $1 for update', [alice.walletId]);
      const first = send(alice, 'pinned-first', bob.walletId);
      await until(async () => (await lockWaiters(blocker)) === 1, 'the first transfer waits on the lock');
      const sent = await wireStatementsDuring(async () => {
        const batch = others.map((user, index) => send(user, `pinned-batch-${index}`, bob.walletId));
        await until(() => committer.waiting === 4, 'four transfers queue in the group committer');
        await blocker.query('commit');
        expect((await first).status).toBe(200);
        expect((await Promise.all(batch)).map((response) => response.status)).toEqual([200, 200, 200, 200]);
      });
      expectPinned(
        'keyed-transfers-batch.sql',
        transactionThatWrote(sent, 4),
        'The transaction of one batch of four keyed transfers (the same text for a batch of any size).',
      );
    } finally {
      await blocker.end();
    }
  });
});

describe('the SQL of an admin reversal', () => {
  const ctx = useTestContext();

  it('reads the reversed entry once, under the locks its wallets took in the same statement', async () => {
    const [alice, bob, admin] = await Promise.all([ctx.fundedUser('100.00'), ctx.registerUser(), ctx.registerUser()]);
    await ctx.promote(admin);
    const paid = await ctx.transfer(alice, bob.walletId, '10.00');
    const sent = await wireStatementsDuring(() =>
      admin.agent
        .post(`/v1/admin/transfers/${paid.transfer_id}/reversal`)
        .set(KEY, 'pinned-reversal')
        .send({ amount: '4.00', reason: 'refund' })
        .expect(200),
    );
    const transaction = transactionThatWrote(sent, 1);
    const lock = transaction.findIndex((statement) => /from wallets where .* for update/s.test(statement.text));
    const journalReads = transaction.flatMap((statement, index) =>
      /from journal_entries e\b/.test(statement.text) ? [index] : [],
    );
    // One read of the entry and what reversed it so far, after the statement that locked its wallets (found by
    // the entry's legs in that same statement): never a read before the locks to learn which wallets to lock.
    expect(journalReads).toHaveLength(1);
    expect(lock).toBeGreaterThanOrEqual(0);
    expect(journalReads[0]).toBeGreaterThan(lock);
    expect(transaction[lock].text).toMatch(/transfer_id = any\(\$3::uuid\[\]\)/);
  });
});

describe('the SQL of hold commands and an admin reversal (pinned in test/queries/)', () => {
  const ctx = useTestContext();

  /**
   * Every write of a money batch goes through its fixed-text statements: a
   * hold placed, captured or voided and an action log line ride in the one
   * ledger write, nothing is left to the unit of work's flush at commit.
   */
  function expectOnlyBatchStatements(transaction: readonly WireStatement[]): void {
    const between = transaction.slice(1, -1);
    const otherWrites = between.filter(
      (statement) => /^\s*(insert|update|delete)\b/i.test(statement.text) && !/idempotency_keys/.test(statement.text),
    );
    expect(otherWrites).toEqual([]);
    if (!process.env.TEST_PGBOUNCER_PORT) expect(between.filter((statement) => !statement.name)).toEqual([]);
    expect(between.filter(isBatchWrite)).toHaveLength(1);
  }

  it('a hold placed, then captured: the hold rows in the batch\'s one write statement', async () => {
    const [alice, bob] = await Promise.all([ctx.fundedUser('100.00'), ctx.registerUser()]);
    let holdId = '';
    const placing = await wireStatementsDuring(async () => {
      const response = await alice.agent
        .post('/v1/wallets/holds')
        .set(KEY, 'pinned-hold')
        .send({ destination: bob.walletId, amount: '10.00' })
        .expect(200);
      holdId = response.body.data.id;
    });
    const placed = transactionOfTheWrite(placing);
    expectOnlyBatchStatements(placed);
    expect(writeValues(placed).placed).toEqual([holdId]);
    expectPinned('hold-place.sql', placed, 'The transaction of POST /v1/wallets/holds with an Idempotency-Key, alone.');

    const capturing = await wireStatementsDuring(() =>
      alice.agent.post(`/v1/holds/${holdId}/capture`).set(KEY, 'pinned-capture').send({ amount: '4.00' }).expect(200),
    );
    const captured = transactionOfTheWrite(capturing);
    expectOnlyBatchStatements(captured);
    expect(writeValues(captured).resolved).toEqual([holdId]);
    expectPinned('hold-capture.sql', captured, 'The transaction of POST /v1/holds/{id}/capture with an Idempotency-Key, alone.');
    const db = await ctx.connectDb();
    try {
      const { rows } = await db.query('select status, captured_amount::text as captured, transfer_id from holds where id = $1', [holdId]);
      expect(rows).toEqual([{ status: 'CAPTURED', captured: '4.00', transfer_id: expect.any(String) }]);
    } finally {
      await db.end();
    }
  });

  it('an admin reversal: its action log line in the batch\'s one write statement', async () => {
    const [admin, alice, bob] = await Promise.all([ctx.adminUser(), ctx.fundedUser('100.00'), ctx.registerUser()]);
    const paid = await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '5.00' }).expect(200);
    const sent = await wireStatementsDuring(() =>
      admin.agent
        .post(`/v1/admin/transfers/${paid.body.data.transfer_id}/reversal`)
        .set(KEY, 'pinned-reversal')
        .send({ reason: 'pinned' })
        .expect(200),
    );
    const reversal = transactionOfTheWrite(sent);
    expectOnlyBatchStatements(reversal);
    expect(writeValues(reversal).actions).toHaveLength(1);
    expectPinned('admin-reversal.sql', reversal, 'The transaction of POST /v1/admin/transfers/{id}/reversal with an Idempotency-Key, alone.');
  });
});

describe('the SQL of a balance read (pinned in test/queries/)', () => {
  const ctx = useTestContext();

  it('GET /v1/wallets?at=: the session read, the wallet, one statement for the balance then', async () => {
    const alice = await ctx.fundedUser('100.00');
    const at = new Date().toISOString();
    const sent = await wireStatementsDuring(() => alice.agent.get('/v1/wallets').query({ at }).expect(200));
    expectPinned('balance-at.sql', sent, 'GET /v1/wallets?at=… (the balance as of a moment).');
  });

  it('a history page from a timestamp: the sequence bound is a prepared statement, one per order', async () => {
    const alice = await ctx.fundedUser('100.00');
    const timestamp = new Date().toISOString();
    const sent = await wireStatementsDuring(async () => {
      for (const order of ['asc', 'desc']) {
        await alice.agent.get('/v1/wallets/operations').query({ timestamp, order, limit: 5 }).expect(200);
      }
    });
    expectPinned(
      'history-bounds.sql',
      sent
        .filter((statement) => /^operations_/.test(statement.name ?? '') || /^select sequence from operations/.test(statement.text))
        // Two requests may take two pooled connections: the statements are what is pinned here.
        .map((statement) => ({ ...statement, connection: 1 })),
      'GET /v1/wallets/operations?timestamp=… in each order: the statements that turn the timestamp into a sequence bound.',
    );
  });

  it('GET /v1/wallets of a wallet with a pending hold: one more statement, what the holds reserve now', async () => {
    const [alice, bob] = await Promise.all([ctx.fundedUser('100.00'), ctx.registerUser()]);
    await alice.agent.post('/v1/wallets/holds').send({ destination: bob.walletId, amount: '10.00' }).expect(200);
    const sent = await wireStatementsDuring(() => alice.agent.get('/v1/wallets').expect(200));
    expectPinned('balance-read-with-holds.sql', sent, 'GET /v1/wallets of a wallet with a pending hold.');
  });

  it('GET /v1/wallets: the session read and one read of the wallet, no transaction', async () => {
    const alice = await ctx.fundedUser('100.00');
    const sent = await wireStatementsDuring(() => alice.agent.get('/v1/wallets').expect(200));
    expectPinned('balance-read.sql', sent, 'GET /v1/wallets (balance and available balance now).');
  });
});

function send(user: RegisteredUser, key: string, destination: string): Promise<Response> {
  return user.agent
    .post('/v1/wallets/transfer')
    .set(KEY, key)
    .send({ destination, amount: '1.00' })
    .then((response) => response);
}

function isBatchWrite(statement: WireStatement): boolean {
  // Unnamed in the PgBouncer pass: known by its text then.
  return (
    statement.name === 'ledger_write_batch' ||
    (statement.name === undefined && /^with entries as \(\s*insert into journal_entries/.test(statement.text))
  );
}

/** The ids of the holds placed and resolved, and the action lines, that the transaction's ledger write carried. */
function writeValues(transaction: readonly WireStatement[]): { placed: unknown[]; resolved: unknown[]; actions: unknown[] } {
  const { values } = transaction.find(isBatchWrite)!;
  return { placed: values[23] as unknown[], resolved: values[30] as unknown[], actions: values[35] as unknown[] };
}

/** The statements of the one transaction (BEGIN to COMMIT on one connection) that sent a ledger write. */
function transactionOfTheWrite(sent: readonly WireStatement[]): WireStatement[] {
  const writes = sent.filter(isBatchWrite);
  expect(writes).toHaveLength(1);
  const onConnection = sent.filter((statement) => statement.connection === writes[0].connection);
  const at = onConnection.indexOf(writes[0]);
  const verbs = onConnection.map((statement) => statement.text.replace(/;$/, '').toLowerCase());
  const begin = verbs.lastIndexOf('begin', at);
  const commit = verbs.indexOf('commit', at);
  expect(begin).toBeGreaterThanOrEqual(0);
  expect(commit).toBeGreaterThan(at);
  return onConnection.slice(begin, commit + 1).map((statement) => ({ ...statement, connection: 1 }));
}

/** The statements of the transaction (BEGIN to COMMIT on one connection) whose ledger write carried `entries` entries. */
function transactionThatWrote(sent: readonly WireStatement[], entries: number): WireStatement[] {
  const write = sent.find(
    (statement) =>
      // Unnamed in the PgBouncer pass: known by its text then.
      (statement.name === 'ledger_write_batch' ||
        (statement.name === undefined && /^with entries as \(\s*insert into journal_entries/.test(statement.text))) &&
      (statement.values[0] as unknown[]).length === entries,
  );
  expect(write).toBeDefined();
  const onConnection = sent.filter((statement) => statement.connection === write!.connection);
  const at = onConnection.indexOf(write!);
  const verbs = onConnection.map((statement) => statement.text.replace(/;$/, '').toLowerCase());
  const begin = verbs.lastIndexOf('begin', at);
  const commit = verbs.indexOf('commit', at);
  expect(begin).toBeGreaterThanOrEqual(0);
  expect(commit).toBeGreaterThan(at);
  return onConnection.slice(begin, commit + 1).map((statement) => ({ ...statement, connection: 1 }));
}
