import { MikroORM } from '@mikro-orm/postgresql';
import { hash } from '@node-rs/argon2';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { FUNDING_WALLET_ID } from '@app/ledger';
import { migrateUnderLock, ormOptions } from '@app/persistence';
import { hashChains } from '../../libs/ledger/src/persistence/chain-backfill';
import { scratchDatabase, TestContext } from '@app/testing';
import { migrationsList } from '../../migrations';

/** The last migration before the hash chain and the username rule existed. */
const BEFORE_ADMIN_TOOLS = 'Migration20261125003120_wallet_pending_holds';
const PASSWORD = 'an old password';

/**
 * A database written by the previous release (rows without hashes, usernames
 * that differ only by case) upgraded by the committed migrations: the audit of
 * the upgraded ledger is clean, every account stays reachable, and new
 * postings chain on where the migration left off.
 */
describe('upgrading a database written before the admin tools', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let ctx: TestContext;
  const wallets = { alice: randomUUID(), upperAlice: randomUUID(), bob: randomUUID() };

  beforeAll(async () => {
    scratch = await scratchDatabase('upgrade');
    const { url } = scratch;
    const orm = await MikroORM.init(ormOptions({ url, poolSize: 1, debug: false, migrationsList }));
    await orm.getMigrator().up({ to: BEFORE_ADMIN_TOOLS });
    await seedOldRelease(url);
    await orm.getMigrator().up();
    await orm.close();
    ctx = await TestContext.create({ databaseUrl: url });
  });
  afterAll(async () => {
    await ctx?.close();
    await scratch?.drop();
  });

  /** Users, wallets, two deposits and a transfer as the previous release wrote them (no hash, no key). */
  async function seedOldRelease(databaseUrl: string): Promise<void> {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const passwordHash = await hash(PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const users = { alice: randomUUID(), upperAlice: randomUUID(), bob: randomUUID() };
    await db.query(
      `insert into users (id, username, password_hash, created_at) values
         ($1, 'alice', $4, now() - interval '2 days'), ($2, 'Alice', $4, now() - interval '1 day'), ($3, 'bob', $4, now())`,
      [users.alice, users.upperAlice, users.bob, passwordHash],
    );
    await db.query(
      `insert into wallets (id, user_id, kind, balance, last_sequence) values
         ($1, $4, 'USER', 70.00, 2), ($2, $5, 'USER', 5.00, 1), ($3, $6, 'USER', 30.00, 1)`,
      [wallets.alice, wallets.upperAlice, wallets.bob, users.alice, users.upperAlice, users.bob],
    );
    const [deposit1, deposit2, transfer] = [randomUUID(), randomUUID(), randomUUID()];
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    await db.query(
      `insert into journal_entries (id, type, created_at) values ($1, 'DEPOSIT', $4), ($2, 'DEPOSIT', $5), ($3, 'TRANSFER', $6)`,
      [deposit1, deposit2, transfer, at(30), at(20), at(10)],
    );
    const leg = (
      entry: string,
      wallet: string,
      source: string,
      destination: string,
      type: string,
      amount: string,
      sequence: number | null,
      after: string | null,
      when: Date,
    ) =>
      db.query(
        `insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [randomUUID(), entry, wallet, source, destination, type, amount, sequence, after, when],
      );
    await leg(deposit1, wallets.alice, FUNDING_WALLET_ID, wallets.alice, 'DEPOSIT', '100.00', 1, '100.00', at(30));
    await leg(deposit1, FUNDING_WALLET_ID, FUNDING_WALLET_ID, wallets.alice, 'DEPOSIT', '-100.00', null, null, at(30));
    await leg(
      deposit2,
      wallets.upperAlice,
      FUNDING_WALLET_ID,
      wallets.upperAlice,
      'DEPOSIT',
      '5.00',
      1,
      '5.00',
      at(20),
    );
    await leg(
      deposit2,
      FUNDING_WALLET_ID,
      FUNDING_WALLET_ID,
      wallets.upperAlice,
      'DEPOSIT',
      '-5.00',
      null,
      null,
      at(20),
    );
    await leg(transfer, wallets.alice, wallets.alice, wallets.bob, 'TRANSFER', '-30.00', 2, '70.00', at(10));
    await leg(transfer, wallets.bob, wallets.alice, wallets.bob, 'TRANSFER', '30.00', 1, '30.00', at(10));
    await db.end();
  }

  async function audit() {
    const admin = await ctx.registerUser();
    await ctx.promote(admin);
    return (await admin.agent.get('/v1/admin/ledger/audit').expect(200)).body.data;
  }

  it('hashes the rows written before the chain existed, so the audit of the upgraded ledger is clean', async () => {
    const { rows } = await ctx.db.query(`select count(*)::int as n from operations where hash !~ '^[0-9a-f]{64}$'`);
    expect(rows[0].n).toBe(0);
    expect(await audit()).toMatchObject({ balanced: true, chain_ok: true, first_break: null, operations_checked: 6 });
    await ctx.expectLedgerInvariants();
  });

  it('keeps accounts that differed only by case reachable by their exact names', async () => {
    for (const [username, walletId] of [
      ['alice', wallets.alice],
      ['Alice', wallets.upperAlice],
    ]) {
      const agent = request.agent(ctx.server);
      await agent.post('/v1/auth/login').send({ username, password: PASSWORD }).expect(200);
      expect((await agent.get('/v1/wallets').expect(200)).body.data.id).toBe(walletId);
    }
    // The name is taken in any case, by the oldest account's key.
    const taken = await request(ctx.server)
      .post('/v1/auth/register')
      .send({ username: 'ALICE', password: 'pw-123456', passwordConfirm: 'pw-123456' })
      .expect(400);
    expect(taken.body.status.errors[0].reason).toBe('USERNAME_TAKEN');
  });

  it('chains new postings on from where the migration left off', async () => {
    const bob = request.agent(ctx.server);
    await bob.post('/v1/auth/login').send({ username: 'bob', password: PASSWORD }).expect(200);
    const paid = await bob
      .post('/v1/wallets/transfer')
      .send({ destination: wallets.alice, amount: '12.34' })
      .expect(200);
    expect(paid.body.data).toMatchObject({ sequence: 2, balance_after: '17.66' });
    await bob.post('/v1/wallets/deposit').send({ amount: '1.00' }).expect(200);
    expect(await audit()).toMatchObject({ balanced: true, chain_ok: true, first_break: null, operations_checked: 10 });
  });
});

/** The last migration before partial reversals: a transfer was reversed at most once, in full. */
const BEFORE_PARTIAL_REVERSALS = 'Migration20261203150000_admin_demote';

/**
 * A database holding a whole reversal written by the previous release (one
 * REVERSAL row per reversed transfer, no step, no running total), upgraded
 * under the advisory lock like production: the reversal becomes step 1 with
 * the whole amount, the new check validates over it, and the service then
 * refuses to reverse that transfer again while partial reversals of others work.
 */
describe('upgrading a database with reversals written before partial reversals', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let ctx: TestContext;
  const ids = {
    alice: randomUUID(),
    bob: randomUUID(),
    aliceWallet: randomUUID(),
    bobWallet: randomUUID(),
    deposit: randomUUID(),
    transfer: randomUUID(),
    reversal: randomUUID(),
  };

  beforeAll(async () => {
    scratch = await scratchDatabase('upgrade-reversals');
    const { url } = scratch;
    const orm = await MikroORM.init(ormOptions({ url, poolSize: 1, debug: false, migrationsList }));
    try {
      await orm.getMigrator().up({ to: BEFORE_PARTIAL_REVERSALS });
      await seedWholeReversal(orm);
      expect(await migrateUnderLock(orm, url)).toEqual([
        'Migration20261203180000_partial_reversals',
        'Migration20261203181000_admin_round_two',
      ]);
    } finally {
      await orm.close();
    }
    ctx = await TestContext.create({ databaseUrl: url });
  });
  afterAll(async () => {
    await ctx?.close();
    await scratch?.drop();
  });

  /** alice deposits 50.00, pays bob 20.00, and the transfer is reversed in full, as the previous release wrote it. */
  async function seedWholeReversal(orm: MikroORM): Promise<void> {
    const run = (sql: string, params: unknown[] = []) => orm.em.getConnection().execute(sql, params);
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    await run(
      `insert into users (id, username, username_key, password_hash) values (?, 'ralice', 'ralice', 'x'), (?, 'rbob', 'rbob', 'x')`,
      [ids.alice, ids.bob],
    );
    await run(
      `insert into wallets (id, user_id, kind, balance, last_sequence) values (?, ?, 'USER', 50.00, 3), (?, ?, 'USER', 0.00, 2)`,
      [ids.aliceWallet, ids.alice, ids.bobWallet, ids.bob],
    );
    await run(
      `insert into journal_entries (id, type, created_at, reverses_id) values (?, 'DEPOSIT', ?, null), (?, 'TRANSFER', ?, null), (?, 'REVERSAL', ?, ?)`,
      [ids.deposit, at(30), ids.transfer, at(20), ids.reversal, at(10), ids.transfer],
    );
    const legs: [string, string, string, string, string, string, number | null, string | null, Date][] = [
      [ids.deposit, ids.aliceWallet, FUNDING_WALLET_ID, ids.aliceWallet, 'DEPOSIT', '50.00', 1, '50.00', at(30)],
      [ids.deposit, FUNDING_WALLET_ID, FUNDING_WALLET_ID, ids.aliceWallet, 'DEPOSIT', '-50.00', null, null, at(30)],
      [ids.transfer, ids.aliceWallet, ids.aliceWallet, ids.bobWallet, 'TRANSFER', '-20.00', 2, '30.00', at(20)],
      [ids.transfer, ids.bobWallet, ids.aliceWallet, ids.bobWallet, 'TRANSFER', '20.00', 1, '20.00', at(20)],
      [ids.reversal, ids.bobWallet, ids.bobWallet, ids.aliceWallet, 'REVERSAL', '-20.00', 2, '0.00', at(10)],
      [ids.reversal, ids.aliceWallet, ids.bobWallet, ids.aliceWallet, 'REVERSAL', '20.00', 3, '50.00', at(10)],
    ];
    for (const leg of legs) {
      await run(
        `insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp, hash)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')`,
        [randomUUID(), ...leg],
      );
    }
    // The hashes the previous release computed: the same chain as the admin tools' backfill.
    await run(`alter table "operations" disable trigger operations_append_only`);
    await hashChains((sql, params) => run(sql, params));
    await run(`alter table "operations" enable trigger operations_append_only`);
  }

  it('makes the whole reversal step 1 of its transfer, validates the new check over it, and keeps the audit clean', async () => {
    const { rows } = await ctx.db.query(
      `select reversal_number, reversed_total::text as total, reverses_amount::text as of from journal_entries where reverses_id = $1`,
      [ids.transfer],
    );
    expect(rows).toEqual([{ reversal_number: 1, total: '20.00', of: '20.00' }]);
    const check = await ctx.db.query(
      `select convalidated from pg_constraint where conname in ('journal_entries_reversal_check', 'journal_entries_reversal_number_unique')`,
    );
    expect(check.rows).toEqual([{ convalidated: true }, { convalidated: true }]);
    const admin = await ctx.registerUser();
    await ctx.promote(admin);
    expect((await admin.agent.get('/v1/admin/ledger/audit').expect(200)).body.data).toMatchObject({
      balanced: true,
      chain_ok: true,
      first_break: null,
    });
    await ctx.expectLedgerInvariants();
  });

  it('answers the old reversal on the operations and refuses to reverse that transfer again', async () => {
    const admin = await ctx.registerUser();
    await ctx.promote(admin);
    const ops = (await admin.agent.get(`/v1/admin/wallets/${ids.bobWallet}/operations`).expect(200)).body.data;
    expect(ops.map((op: { type: string; reverses: string; reversed_amount: string }) => [op.type, op.reverses, op.reversed_amount])).toEqual([
      ['REVERSAL', ids.transfer, null],
      ['TRANSFER', null, '20.00'],
    ]);
    const again = await admin.agent.post(`/v1/admin/transfers/${ids.transfer}/reversal`).send({ amount: '1.00' }).expect(409);
    expect(again.body.status.errors[0]).toMatchObject({ reason: 'ALREADY_REVERSED', message: 'This transfer was already reversed.' });
    // The deposit was never reversed: a part of it can be, and then the rest.
    const part = await admin.agent.post(`/v1/admin/transfers/${ids.deposit}/reversal`).send({ amount: '10.00' }).expect(200);
    expect(part.body.data).toMatchObject({ amount: '10.00', reversed_amount: '10.00', remaining: '40.00' });
    expect((await admin.agent.post(`/v1/admin/transfers/${ids.deposit}/reversal`).send({}).expect(200)).body.data).toMatchObject({
      amount: '40.00',
      remaining: '0.00',
    });
    await ctx.expectLedgerInvariants();
  });
});
