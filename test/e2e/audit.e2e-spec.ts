import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { FUNDING_WALLET_ID, LedgerAuditor } from '@app/ledger';
import { lockWaiters, TestContext, until, useTestContext, type RegisteredUser } from '@app/testing';

const CLEAN = {
  balanced: true,
  total: '0.00',
  wallets_checked: expect.any(Number),
  operations_checked: expect.any(Number),
  mismatches: [],
  unbalanced_entries: [],
  chain_ok: true,
  first_break: null,
};

/**
 * Tamper evidence: every operation is chained by a SHA-256 hash over the
 * previous operation of its wallet, and GET /v1/admin/ledger/audit recomputes
 * the whole ledger. Each tampering below is made directly with SQL (with the
 * append-only triggers switched off for the session, as a superuser could),
 * must be detected and named, and the audit is clean again once restored.
 */
describe('ledger audit and tamper evidence (contract part B)', () => {
  const ctx = useTestContext();
  let admin: RegisteredUser;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let transferId: string;

  beforeAll(async () => {
    admin = await ctx.adminUser();
    alice = await ctx.fundedUser('100.00');
    bob = await ctx.registerUser();
    const paid = await alice.agent
      .post('/v1/wallets/transfer')
      .send({ destination: bob.walletId, amount: '30.00' })
      .expect(200);
    transferId = paid.body.data.transfer_id;
  });

  async function audit() {
    const response = await admin.agent.get('/v1/admin/ledger/audit').expect(200);
    return response.body.data;
  }

  /** Runs `sql` as someone who bypasses the service and its triggers would. */
  async function tamper(sql: string, params: unknown[] = []): Promise<void> {
    await ctx.db.query('begin');
    await ctx.db.query('set local session_replication_role = replica');
    await ctx.db.query(sql, params);
    await ctx.db.query('commit');
  }

  async function operation(walletId: string, sequence: number | null) {
    const { rows } = await ctx.db.query(
      sequence === null
        ? `select * from operations where wallet_id = $1 and transfer_id = (select transfer_id from operations where wallet_id = $2 and sequence = 1)`
        : `select * from operations where wallet_id = $1 and sequence = $2`,
      sequence === null ? [walletId, alice.walletId] : [walletId, sequence],
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  it('is clean on a ledger written only by the service', async () => {
    expect(await audit()).toEqual(CLEAN);
    await ctx.expectLedgerInvariants();
  });

  it('detects and names an amount UPDATEd with SQL, and is clean once it is restored', async () => {
    const debit = await operation(alice.walletId, 2);
    await tamper(`update operations set amount = -3.00 where id = $1`, [debit.id]);
    try {
      const report = await audit();
      expect(report).toMatchObject({
        balanced: false,
        unbalanced_entries: [transferId],
        chain_ok: false,
        mismatches: [{ wallet_id: alice.walletId, stored: '70.00', recomputed: '97.00' }],
        first_break: {
          wallet_id: alice.walletId,
          operation_id: debit.id,
          sequence: 2,
          problem: 'balance_after',
          expected: '97.00',
          found: '70.00',
        },
      });
    } finally {
      await tamper(`update operations set amount = -30.00 where id = $1`, [debit.id]);
    }
    expect(await audit()).toEqual(CLEAN);
  });

  it('detects the hash of a row edited consistently (amount and balance after together)', async () => {
    const credit = await operation(bob.walletId, 1);
    await tamper(`update operations set amount = 31.00, balance_after = 31.00 where id = $1`, [credit.id]);
    await tamper(`update wallets set balance = 31.00 where id = $1`, [bob.walletId]);
    try {
      const report = await audit();
      expect(report.chain_ok).toBe(false);
      expect(report.first_break).toMatchObject({
        wallet_id: bob.walletId,
        operation_id: credit.id,
        sequence: 1,
        problem: 'hash',
        found: credit.hash,
      });
      expect(report.first_break.expected).toMatch(/^[0-9a-f]{64}$/);
      expect(report.first_break.expected).not.toBe(credit.hash);
    } finally {
      await tamper(`update operations set amount = 30.00, balance_after = 30.00 where id = $1`, [credit.id]);
      await tamper(`update wallets set balance = 30.00 where id = $1`, [bob.walletId]);
    }
    expect(await audit()).toEqual(CLEAN);
  });

  it('detects and names an operation DELETEd with SQL, and is clean once it is put back', async () => {
    const deposit = await operation(alice.walletId, 1);
    await tamper(`delete from operations where id = $1`, [deposit.id]);
    try {
      const report = await audit();
      expect(report).toMatchObject({
        balanced: false,
        unbalanced_entries: [deposit.transfer_id],
        chain_ok: false,
        first_break: {
          wallet_id: alice.walletId,
          sequence: 2,
          problem: 'sequence',
          expected: '1',
          found: '2',
        },
      });
    } finally {
      const columns = Object.keys(deposit);
      await tamper(
        `insert into operations (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((c) => deposit[c]),
      );
    }
    expect(await audit()).toEqual(CLEAN);
  });

  it('detects and names a forged operation INSERTed with SQL, and is clean once it is removed', async () => {
    const forged = randomUUID();
    await tamper(
      `insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, "timestamp", hash)
       values ($1, $2, $3, $4, $3, 'DEPOSIT', 1000.00, 2, 1030.00, clock_timestamp(), $5)`,
      [forged, randomUUID(), bob.walletId, FUNDING_WALLET_ID, 'f'.repeat(64)],
    );
    try {
      const report = await audit();
      expect(report).toMatchObject({
        balanced: false,
        total: '1000.00',
        chain_ok: false,
        mismatches: [{ wallet_id: bob.walletId, stored: '30.00', recomputed: '1030.00' }],
        first_break: { wallet_id: bob.walletId, operation_id: forged, sequence: 2, problem: 'hash', found: 'f'.repeat(64) },
      });
    } finally {
      await tamper(`delete from operations where id = $1`, [forged]);
    }
    expect(await audit()).toEqual(CLEAN);
  });

  it("detects and names an edit of the funding wallet's leg, which keeps no sequence of its own", async () => {
    const fundingLeg = await operation(FUNDING_WALLET_ID, null);
    await tamper(`update operations set amount = -10.00 where id = $1`, [fundingLeg.id]);
    try {
      const report = await audit();
      expect(report).toMatchObject({
        balanced: false,
        total: '90.00',
        unbalanced_entries: [fundingLeg.transfer_id],
        chain_ok: false,
        first_break: {
          wallet_id: FUNDING_WALLET_ID,
          operation_id: fundingLeg.id,
          sequence: null,
          problem: 'hash',
          found: fundingLeg.hash,
        },
      });
    } finally {
      await tamper(`update operations set amount = -100.00 where id = $1`, [fundingLeg.id]);
    }
    expect(await audit()).toEqual(CLEAN);
  });

  it('detects a wallet whose chain head was rewritten', async () => {
    await tamper(`update wallets set chain_head = $2 where id = $1`, [bob.walletId, '0'.repeat(64)]);
    const head = (await operation(bob.walletId, 1)).hash;
    try {
      expect((await audit()).first_break).toEqual({
        wallet_id: bob.walletId,
        operation_id: null,
        sequence: null,
        problem: 'chain_head',
        expected: head,
        found: '0'.repeat(64),
      });
    } finally {
      await tamper(`update wallets set chain_head = $2 where id = $1`, [bob.walletId, head]);
    }
    expect(await audit()).toEqual(CLEAN);
  });

  describe("the database's own bound on what an entry's reversals add up to", () => {
    /** A REVERSAL row of `transferId` (30.00) as SQL written past the service would insert it. */
    const insertReversal = (db: typeof ctx.db, reversed: string, step: number, total: string, of = '30.00') =>
      db.query(
        `insert into journal_entries (id, type, reverses_id, reversal_number, reversed_total, reverses_amount)
         values ($1, 'REVERSAL', $2, $3, $4, $5)`,
        [randomUUID(), reversed, step, total, of],
      );
    /** Runs `insert` under a savepoint and answers how the database refused it (null: it did not). */
    async function refusal(insert: () => Promise<unknown>) {
      await ctx.db.query('savepoint attempt');
      try {
        await insert();
        await ctx.db.query('release savepoint attempt');
        return null;
      } catch (error) {
        await ctx.db.query('rollback to savepoint attempt');
        const { code, constraint } = error as { code: string; constraint?: string };
        return { code, constraint };
      }
    }
    const CHECK = { code: '23514', constraint: 'journal_entries_reversal_check' };

    it('refuses, in SQL past the service, reversals adding up to more than the entry, a lie about its amount, a skipped or repeated step', async () => {
      await ctx.db.query('begin');
      try {
        expect(await refusal(() => insertReversal(ctx.db, transferId, 1, '30.01'))).toEqual(CHECK);
        // Claiming the transfer was bigger than it is: the trigger reads its amount.
        expect(await refusal(() => insertReversal(ctx.db, transferId, 1, '31.00', '31.00'))).toEqual(CHECK);
        expect(await refusal(() => insertReversal(ctx.db, transferId, 2, '5.00'))).toEqual(CHECK); // no step 1
        expect(await refusal(() => insertReversal(ctx.db, transferId, 1, '20.00'))).toBeNull();
        expect(await refusal(() => insertReversal(ctx.db, transferId, 1, '25.00'))).toEqual({
          code: '23505',
          constraint: 'journal_entries_reversal_number_unique',
        });
        expect(await refusal(() => insertReversal(ctx.db, transferId, 2, '20.00'))).toEqual(CHECK); // adds nothing
        expect(await refusal(() => insertReversal(ctx.db, transferId, 2, '30.01'))).toEqual(CHECK);
        expect(await refusal(() => insertReversal(ctx.db, transferId, 2, '30.00'))).toBeNull();
        expect(await refusal(() => insertReversal(ctx.db, transferId, 3, '30.01', '30.00'))).toEqual(CHECK);
        // A reversal is not reversible, nor is a row without a step.
        const { rows } = await ctx.db.query(`select id from journal_entries where reverses_id = $1 and reversal_number = 2`, [
          transferId,
        ]);
        expect(await refusal(() => insertReversal(ctx.db, rows[0].id, 1, '1.00'))).toEqual(CHECK);
        expect(
          await refusal(() =>
            ctx.db.query(`insert into journal_entries (id, type, reverses_id) values ($1, 'REVERSAL', $2)`, [
              randomUUID(),
              transferId,
            ]),
          ),
        ).toEqual(CHECK);
      } finally {
        await ctx.db.query('rollback');
      }
    });

    it('lets only one of two concurrent transactions writing the same step commit, whatever each read', async () => {
      const other = await ctx.connectDb();
      const paid = await alice.agent.post('/v1/wallets/transfer').send({ destination: bob.walletId, amount: '10.00' }).expect(200);
      const reversed = paid.body.data.transfer_id;
      try {
        await ctx.db.query('begin');
        await other.query('begin');
        // Both saw nothing reversed yet; each reverses 8.00 of 10.00.
        await insertReversal(ctx.db, reversed, 1, '8.00', '10.00');
        const second = insertReversal(other, reversed, 1, '8.00', '10.00').then(
          () => null,
          (error: { code: string; constraint?: string }) => ({ code: error.code, constraint: error.constraint }),
        );
        await until(async () => (await lockWaiters(ctx.db)) === 1, 'the second writer waits on the first');
        await ctx.db.query('commit');
        expect(await second).toEqual({ code: '23505', constraint: 'journal_entries_reversal_number_unique' });
        await other.query('rollback');
        const { rows } = await ctx.db.query(
          `select reversal_number, reversed_total::text as total from journal_entries where reverses_id = $1`,
          [reversed],
        );
        expect(rows).toEqual([{ reversal_number: 1, total: '8.00' }]);
      } finally {
        await other.end();
        // The committed row has no legs: take it out again, as a superuser could, so the ledger stays whole.
        await tamper(`delete from journal_entries where reverses_id = $1`, [reversed]);
      }
    });
  });
});

/**
 * Issue 15: one audit at a time, across instances, within a time limit. The
 * audit is held at a known point by a real lock: a test transaction holds
 * ACCESS EXCLUSIVE on `operations`, so the audit's first read of the table
 * waits on it (well within the pool's 5 s lock_timeout) until the test lets go.
 */
describe('one ledger audit at a time (issue 15)', () => {
  const AUDIT = '/v1/admin/ledger/audit';
  const ctx = useTestContext({ listen: true });
  let admin: RegisteredUser;
  /** The admin's session cookie, good on every instance (sessions live in PostgreSQL). */
  let cookie: string[];

  beforeAll(async () => {
    admin = await ctx.adminUser();
    await ctx.fundedUser('40.00');
    cookie = (
      await admin.agent.post('/v1/auth/login').send({ username: admin.username, password: admin.password }).expect(200)
    ).headers['set-cookie'] as unknown as string[];
  });

  /** A transaction holding `operations` so that no audit gets past its first read until `release`. */
  async function holdOperations(): Promise<{ release: () => Promise<void> }> {
    const blocker = await ctx.connectDb();
    await blocker.query('begin');
    await blocker.query('lock table operations in access exclusive mode');
    return { release: () => blocker.query('rollback').then(() => undefined) };
  }

  /**
   * The sessions waiting for `operations` (the held audits), with their transactions' start, read outside any
   * transaction (pg_stat_activity is read once per transaction) and from pg_locks, which is live.
   */
  async function readingOperations(): Promise<{ pid: number; xact_start: Date }[]> {
    const { rows } = await ctx.db.query<{ pid: number; xact_start: Date }>(
      `select a.pid, a.xact_start from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.relation = 'operations'::regclass and not l.granted`,
    );
    return rows;
  }

  /** Sessions holding the audit's advisory lock (classid "LEDG", objid 1) on this database. */
  async function auditLockHolders(): Promise<number> {
    const { rows } = await ctx.db.query<{ count: number }>(
      `select count(*)::int as count from pg_locks
        where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())
          and classid = x'4c454447'::int and objid = 1 and objsubid = 2`,
    );
    return rows[0].count;
  }

  it('runs one scan for concurrent callers on one instance and gives each caller its report', async () => {
    const auditor = ctx.app.get(LedgerAuditor);
    const scansBefore = auditor.activity.scansStarted;
    const { release } = await holdOperations();
    let first: Promise<request.Response>;
    let second: Promise<request.Response>;
    try {
      first = admin.agent.get(AUDIT).then((response) => response);
      await until(async () => (await readingOperations()).length === 1, 'the first audit waits on operations');
      second = admin.agent.get(AUDIT).then((response) => response);
      await until(() => auditor.activity.waiting === 2, 'the second caller waits for the run in flight');
      // Still one session reading the ledger: the second caller started no scan of its own.
      expect(await readingOperations()).toHaveLength(1);
      expect(await auditLockHolders()).toBe(1);
    } finally {
      await release();
    }
    const [a, b] = await Promise.all([first!, second!]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.data).toEqual(CLEAN);
    expect(b.body).toEqual(a.body);
    expect(auditor.activity).toEqual({ scansStarted: scansBefore + 1, waiting: 0 });
    expect(await auditLockHolders()).toBe(0);
  });

  it('answers 409 AUDIT_IN_PROGRESS on another instance while a run holds the lock, naming when it started', async () => {
    const other = await TestContext.create({ listen: true });
    try {
      const otherAuditor = other.app.get(LedgerAuditor);
      const { release } = await holdOperations();
      let running: Promise<request.Response>;
      try {
        running = admin.agent.get(AUDIT).then((response) => response);
        await until(async () => (await readingOperations()).length === 1, 'the first instance audits');
        const [audit] = await readingOperations();
        const refused = await request(other.server).get(AUDIT).set('Cookie', cookie);
        expect({ status: refused.status, body: refused.body }).toEqual({
          status: 409,
          body: {
            status: {
              success: false,
              errors: [
                {
                  code: 'CONFLICT',
                  reason: 'AUDIT_IN_PROGRESS',
                  target: '__all__',
                  message: `A ledger audit is already running on another instance (started at ${audit.xact_start.toISOString()}); try again when it has ended.`,
                },
              ],
            },
            data: null,
          },
        });
        // The second instance never started a scan; the first one's is still the only one.
        expect(otherAuditor.activity).toEqual({ scansStarted: 0, waiting: 0 });
        expect(await readingOperations()).toHaveLength(1);
      } finally {
        await release();
      }
      expect((await running!).body.data).toEqual(CLEAN);
      // Once that run has ended, the other instance audits in its turn.
      const own = await request(other.server).get(AUDIT).set('Cookie', cookie).expect(200);
      expect(own.body.data).toEqual(CLEAN);
      expect(otherAuditor.activity.scansStarted).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('abandons a run past AUDIT_TIMEOUT_SECONDS with 503 AUDIT_TIMED_OUT and releases the lock', async () => {
    const limited = await TestContext.create({ listen: true, env: { AUDIT_TIMEOUT_SECONDS: '1' } });
    try {
      const { release } = await holdOperations();
      try {
        const timedOut = await request(limited.server).get(AUDIT).set('Cookie', cookie);
        expect({ status: timedOut.status, body: timedOut.body }).toEqual({
          status: 503,
          body: {
            status: {
              success: false,
              errors: [
                {
                  code: 'SERVICE_UNAVAILABLE',
                  reason: 'AUDIT_TIMED_OUT',
                  target: '__all__',
                  message: 'The ledger audit did not finish within its time limit of 1 s and was abandoned.',
                },
              ],
            },
            data: null,
          },
        });
        // Cleanly abandoned: its statement was cancelled, its transaction rolled back, the lock went with it.
        expect(await readingOperations()).toHaveLength(0);
        expect(await auditLockHolders()).toBe(0);
        // The failed run is not kept: the next caller starts a run of its own, which meets the same limit.
        const again = request(limited.server).get(AUDIT).set('Cookie', cookie).then((response) => response);
        await until(async () => (await readingOperations()).length === 1, 'a new run reads the ledger');
        expect((await again).status).toBe(503);
        expect(limited.app.get(LedgerAuditor).activity).toEqual({ scansStarted: 2, waiting: 0 });
      } finally {
        await release();
      }
      // Nothing was left behind: an audit without the tiny limit runs to its report.
      expect((await admin.agent.get(AUDIT).expect(200)).body.data).toEqual(CLEAN);
    } finally {
      await limited.close();
    }
  });
});
