import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Client } from 'pg';
import type { Response } from 'supertest';
import type { ErrorCode } from '@app/http';
import { FUNDING_WALLET_ID } from '@app/ledger';
import { type RegisteredUser, registerUser } from '@app/testing';
import type { ErrorReason } from '../setup/error-reasons';
import { connectDb, expectSoundLedger, money } from '../setup/ledger-invariants';
import { createTestApp, type TestApp } from '../setup/test-app';

/**
 * A model-based test of the money contract (part A transfers and deposits,
 * part B holds and idempotency): fast-check generates random sequences of
 * commands over 3-4 fresh users; each command runs against the real service
 * over HTTP and against a tiny in-memory model written with BigInt cents. After
 * every step each user's balance and available balance must be the model's;
 * after every run the whole ledger must pass the invariant checks.
 *
 * MODEL_RUNS (default 20), MODEL_COMMANDS (default 30, the most per run) and
 * MODEL_SEED (default fixed) tune it; a failure prints fast-check's shrunk
 * counterexample with the seed and path that replay it.
 */
const RUNS = Number(process.env.MODEL_RUNS ?? 20);
const MAX_COMMANDS = Number(process.env.MODEL_COMMANDS ?? 30);
const DEFAULT_SEED = 20261125;
const SEED = Number(process.env.MODEL_SEED ?? DEFAULT_SEED);
/** Holds that expire within the run make the run wait for PostgreSQL's clock: at most this many per run. */
const EXPIRING_HOLDS_PER_RUN = 1;
const LONG_HOLD_SECONDS = 3600;

// ---------------------------------------------------------------------------------------------
// The model: what the contract says, in cents.

type HoldStatus = 'PENDING' | 'CAPTURED' | 'VOIDED' | 'EXPIRED';

interface ModelHold {
  id: string;
  payer: number;
  payee: number;
  amount: bigint;
  /** EXPIRED: the model knows (by PostgreSQL's clock) that it is past its expiry. */
  status: HoldStatus;
  /** Placed with expires_in_seconds: 1; until an Expire step, whether it still reserves depends on the clock. */
  expiring: boolean;
  expiresAt: string;
}

interface Model {
  users: number;
  balances: bigint[];
  holds: ModelHold[];
  expiringPlaced: number;
}

interface Real {
  db: Client;
  users: RegisteredUser[];
}

/** What a pending hold may still do: a hold placed to expire is "unsettled" until the Expire step. */
const isPending = (hold: ModelHold) => hold.status === 'PENDING';
const isUnsettled = (hold: ModelHold) => isPending(hold) && hold.expiring;
const unsettledOf = (model: Model, user: number) => model.holds.filter((h) => h.payer === user && isUnsettled(h));
const reservedBy = (model: Model, user: number) =>
  model.holds.filter((h) => h.payer === user && isPending(h)).reduce((sum, h) => sum + h.amount, 0n);
const availableOf = (model: Model, user: number) => model.balances[user] - reservedBy(model, user);
/**
 * A command whose outcome depends on the payer's available balance only runs
 * (its check) when no hold of the payer may be expiring right now, so that the
 * model knows the outcome exactly.
 */
const availableIsKnown = (model: Model, user: number) => unsettledOf(model, user).length === 0;

/** Amounts are chosen relative to what the payer can spend, so that runs mix success and refusal. */
type AmountSpec = { kind: 'share'; permille: number } | { kind: 'all' } | { kind: 'over'; extra: number };

function amountFor(spec: AmountSpec, available: bigint): bigint {
  switch (spec.kind) {
    case 'share': {
      const share = (available * BigInt(spec.permille)) / 1000n;
      return share > 0n ? share : 1n;
    }
    case 'all':
      return available > 0n ? available : 1n;
    case 'over':
      return available + BigInt(spec.extra);
  }
}

const describeAmount = (spec: AmountSpec) =>
  spec.kind === 'share'
    ? `${spec.permille / 10}% of available`
    : spec.kind === 'all'
      ? 'all available'
      : `available + ${money(BigInt(spec.extra))}`;

// ---------------------------------------------------------------------------------------------
// Expected answers.

function failure(code: ErrorCode, reason: ErrorReason, message: string, target = '__all__') {
  return { status: { success: false, errors: [{ code, message, target, reason }] }, data: null };
}
const INSUFFICIENT_FUNDS = failure('BAD_REQUEST', 'INSUFFICIENT_FUNDS', 'Insufficient funds.');
const HOLD_FORBIDDEN = failure(
  'FORBIDDEN',
  'HOLD_FORBIDDEN',
  'Only the owner of the paying wallet may capture or void this hold.',
);
const CAPTURE_EXCEEDS_HOLD = failure(
  'UNPROCESSABLE_ENTITY',
  'CAPTURE_EXCEEDS_HOLD',
  'Must not exceed the held amount.',
  'amount',
);
const RESOLVED: Record<Exclude<HoldStatus, 'PENDING'>, ReturnType<typeof failure>> = {
  CAPTURED: failure('CONFLICT', 'HOLD_ALREADY_RESOLVED', 'Hold was already captured.'),
  VOIDED: failure('CONFLICT', 'HOLD_ALREADY_RESOLVED', 'Hold was already voided.'),
  EXPIRED: failure('CONFLICT', 'HOLD_EXPIRED', 'Hold has expired.'),
};
const KEY_REUSED = failure(
  'UNPROCESSABLE_ENTITY',
  'IDEMPOTENCY_KEY_REUSED',
  'This Idempotency-Key was already used with a different request.',
  'Idempotency-Key',
);

function expectAnswer(response: Response, status: number, body: unknown): void {
  expect({ status: response.status, body: response.body }).toEqual({ status, body });
}

function ok(data: unknown) {
  return { status: { success: true, errors: [] }, data };
}

// ---------------------------------------------------------------------------------------------
// Statistics, reported at the end (and used to check that the generator covers the contract).

const stats = {
  runs: 0,
  steps: 0,
  deposits: 0,
  transfers: 0,
  refusedForFunds: 0,
  holdsPlaced: 0,
  fullCaptures: 0,
  partialCaptures: 0,
  overCaptures: 0,
  voids: 0,
  resolvedAgain: 0,
  forbidden: 0,
  expiries: 0,
  resolvedBeforeExpiry: 0,
  replays: 0,
};

// ---------------------------------------------------------------------------------------------
// Commands.

type Command = fc.AsyncCommand<Model, Real>;

abstract class Step implements Command {
  abstract check(model: Readonly<Model>): boolean;
  protected abstract apply(model: Model, real: Real): Promise<void>;
  abstract toString(): string;

  async run(model: Model, real: Real): Promise<void> {
    stats.steps++;
    await this.apply(model, real);
    await expectWalletsMatch(model, real);
  }
}

const other = (model: Readonly<Model>, user: number, offset: number) =>
  (user + 1 + (offset % (model.users - 1))) % model.users;

class Deposit extends Step {
  constructor(
    readonly user: number,
    readonly cents: bigint,
    readonly asNumber: boolean,
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return this.user < model.users;
  }
  async apply(model: Model, real: Real) {
    const user = real.users[this.user];
    const amount = this.asNumber ? Number(money(this.cents)) : money(this.cents);
    const response = await user.agent.post('/v1/wallets/deposit').send({ amount });
    expectAnswer(
      response,
      200,
      ok({
        id: expect.any(String),
        transfer_id: expect.any(String),
        wallet_id: user.walletId,
        source_wallet_id: FUNDING_WALLET_ID,
        destination_wallet_id: user.walletId,
        type: 'DEPOSIT',
        amount: money(this.cents),
        timestamp: expect.any(String),
        // Receipts: gapless sequences are checked by the ledger invariants after each run.
        sequence: expect.any(Number),
        balance_after: money(model.balances[this.user] + this.cents),
      }),
    );
    model.balances[this.user] += this.cents;
    stats.deposits++;
  }
  toString() {
    return `Deposit(u${this.user}, ${money(this.cents)}${this.asNumber ? ' as a JSON number' : ''})`;
  }
}

class Transfer extends Step {
  constructor(
    readonly from: number,
    readonly toOffset: number,
    readonly spec: AmountSpec,
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return this.from < model.users && availableIsKnown(model, this.from);
  }
  async apply(model: Model, real: Real) {
    const to = other(model, this.from, this.toOffset);
    const amount = amountFor(this.spec, availableOf(model, this.from));
    const payer = real.users[this.from];
    const payee = real.users[to];
    const response = await payer.agent
      .post('/v1/wallets/transfer')
      .send({ destination: payee.walletId, amount: money(amount) });
    expectTransferAnswer(model, response, this.from, to, amount, payer, payee);
  }
  toString() {
    return `Transfer(u${this.from} -> +${this.toOffset}, ${describeAmount(this.spec)})`;
  }
}

function expectTransferAnswer(
  model: Model,
  response: Response,
  from: number,
  to: number,
  amount: bigint,
  payer: RegisteredUser,
  payee: RegisteredUser,
): void {
  if (amount > availableOf(model, from)) {
    expectAnswer(response, 400, INSUFFICIENT_FUNDS);
    stats.refusedForFunds++;
    return;
  }
  expectAnswer(
    response,
    200,
    ok({
      id: expect.any(String),
      transfer_id: expect.any(String),
      wallet_id: payer.walletId,
      source_wallet_id: payer.walletId,
      destination_wallet_id: payee.walletId,
      type: 'TRANSFER',
      amount: money(-amount),
      timestamp: expect.any(String),
      sequence: expect.any(Number),
      balance_after: money(model.balances[from] - amount),
    }),
  );
  model.balances[from] -= amount;
  model.balances[to] += amount;
  stats.transfers++;
}

class PlaceHold extends Step {
  constructor(
    readonly from: number,
    readonly toOffset: number,
    readonly spec: AmountSpec,
    readonly expiring: boolean,
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return (
      this.from < model.users &&
      availableIsKnown(model, this.from) &&
      (!this.expiring || model.expiringPlaced < EXPIRING_HOLDS_PER_RUN)
    );
  }
  async apply(model: Model, real: Real) {
    const to = other(model, this.from, this.toOffset);
    const amount = amountFor(this.spec, availableOf(model, this.from));
    const payer = real.users[this.from];
    const response = await payer.agent.post('/v1/wallets/holds').send(this.body(real.users[to], amount));
    expectHoldAnswer(model, response, this.from, to, amount, this.expiring, real);
  }
  body(payee: RegisteredUser, amount: bigint) {
    return {
      destination: payee.walletId,
      amount: money(amount),
      expires_in_seconds: this.expiring ? 1 : LONG_HOLD_SECONDS,
    };
  }
  toString() {
    return `PlaceHold(u${this.from} -> +${this.toOffset}, ${describeAmount(this.spec)}${this.expiring ? ', expires in 1 s' : ''})`;
  }
}

function expectHoldAnswer(
  model: Model,
  response: Response,
  from: number,
  to: number,
  amount: bigint,
  expiring: boolean,
  real: Real,
): void {
  if (amount > availableOf(model, from)) {
    expectAnswer(response, 400, INSUFFICIENT_FUNDS);
    stats.refusedForFunds++;
    return;
  }
  expectAnswer(
    response,
    200,
    ok({
      id: expect.any(String),
      source_wallet_id: real.users[from].walletId,
      destination_wallet_id: real.users[to].walletId,
      amount: money(amount),
      status: 'PENDING',
      expires_at: expect.any(String),
      captured_amount: null,
      transfer_id: null,
      created_at: expect.any(String),
    }),
  );
  const hold = response.body.data;
  model.holds.push({
    id: hold.id,
    payer: from,
    payee: to,
    amount,
    status: 'PENDING',
    expiring,
    expiresAt: hold.expires_at,
  });
  if (expiring) model.expiringPlaced++;
  stats.holdsPlaced++;
}

/** The pending holds whose fate the model knows (not expiring during the run). */
const capturable = (model: Readonly<Model>) => model.holds.filter((h) => isPending(h) && !h.expiring);

type CaptureSpec = { kind: 'all' } | { kind: 'part'; permille: number } | { kind: 'over' };

class Capture extends Step {
  constructor(
    readonly pick: number,
    readonly spec: CaptureSpec,
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return capturable(model).length > 0;
  }
  async apply(model: Model, real: Real) {
    const candidates = capturable(model);
    const hold = candidates[this.pick % candidates.length];
    const payer = real.users[hold.payer];
    const payee = real.users[hold.payee];
    let captured = hold.amount;
    let body: Record<string, string> = {};
    if (this.spec.kind === 'part') {
      captured = (hold.amount * BigInt(this.spec.permille)) / 1000n;
      if (captured === 0n) captured = 1n;
      body = { amount: money(captured) };
    } else if (this.spec.kind === 'over') {
      body = { amount: money(hold.amount + 1n) };
    }
    const response = await payer.agent.post(`/v1/holds/${hold.id}/capture`).send(body);
    if (this.spec.kind === 'over') {
      expectAnswer(response, 422, CAPTURE_EXCEEDS_HOLD);
      stats.overCaptures++;
      return;
    }
    expectAnswer(
      response,
      200,
      ok({
        id: hold.id,
        source_wallet_id: payer.walletId,
        destination_wallet_id: payee.walletId,
        amount: money(hold.amount),
        status: 'CAPTURED',
        expires_at: hold.expiresAt,
        captured_amount: money(captured),
        transfer_id: expect.any(String),
        created_at: expect.any(String),
      }),
    );
    // The capture posted an ordinary TRANSFER entry: the payee's newest operation is its credit leg.
    const credit = await payee.agent.get('/v1/wallets/operations').query({ limit: 1 }).expect(200);
    expect(credit.body.data).toEqual([
      expect.objectContaining({
        transfer_id: response.body.data.transfer_id,
        wallet_id: payee.walletId,
        source_wallet_id: payer.walletId,
        destination_wallet_id: payee.walletId,
        type: 'TRANSFER',
        amount: money(captured),
      }),
    ]);
    hold.status = 'CAPTURED';
    model.balances[hold.payer] -= captured;
    model.balances[hold.payee] += captured;
    if (captured === hold.amount) stats.fullCaptures++;
    else stats.partialCaptures++;
  }
  toString() {
    const what =
      this.spec.kind === 'all' ? 'all' : this.spec.kind === 'part' ? `${this.spec.permille / 10}%` : 'more than held';
    return `Capture(hold #${this.pick}, ${what})`;
  }
}

class Void extends Step {
  constructor(readonly pick: number) {
    super();
  }
  check(model: Readonly<Model>) {
    return capturable(model).length > 0;
  }
  async apply(model: Model, real: Real) {
    const candidates = capturable(model);
    const hold = candidates[this.pick % candidates.length];
    const payer = real.users[hold.payer];
    const response = await payer.agent.post(`/v1/holds/${hold.id}/void`).send();
    expectAnswer(
      response,
      200,
      ok({
        id: hold.id,
        source_wallet_id: payer.walletId,
        destination_wallet_id: real.users[hold.payee].walletId,
        amount: money(hold.amount),
        status: 'VOIDED',
        expires_at: hold.expiresAt,
        captured_amount: null,
        transfer_id: null,
        created_at: expect.any(String),
      }),
    );
    hold.status = 'VOIDED';
    stats.voids++;
  }
  toString() {
    return `Void(hold #${this.pick})`;
  }
}

/** Holds that are captured, voided or known to be expired. */
const settled = (model: Readonly<Model>) => model.holds.filter((h) => h.status !== 'PENDING');

class ResolveAgain extends Step {
  constructor(
    readonly pick: number,
    readonly action: 'capture' | 'void',
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return settled(model).length > 0;
  }
  async apply(model: Model, real: Real) {
    const candidates = settled(model);
    const hold = candidates[this.pick % candidates.length];
    const response = await real.users[hold.payer].agent.post(`/v1/holds/${hold.id}/${this.action}`).send({});
    expectAnswer(response, 409, RESOLVED[hold.status as Exclude<HoldStatus, 'PENDING'>]);
    stats.resolvedAgain++;
  }
  toString() {
    return `ResolveAgain(settled hold #${this.pick}, ${this.action})`;
  }
}

class Stranger extends Step {
  constructor(
    readonly pick: number,
    readonly offset: number,
    readonly action: 'capture' | 'void',
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return model.holds.length > 0;
  }
  async apply(model: Model, real: Real) {
    const hold = model.holds[this.pick % model.holds.length];
    // The payee, or anyone else who is not the payer.
    const actor = other(model, hold.payer, this.offset);
    const response = await real.users[actor].agent.post(`/v1/holds/${hold.id}/${this.action}`).send({});
    expectAnswer(response, 403, HOLD_FORBIDDEN);
    stats.forbidden++;
  }
  toString() {
    return `Stranger(hold #${this.pick}, user +${this.offset}, ${this.action})`;
  }
}

class Expire extends Step {
  constructor(readonly pick: number) {
    super();
  }
  check(model: Readonly<Model>) {
    return model.holds.some(isUnsettled);
  }
  async apply(model: Model, real: Real) {
    const candidates = model.holds.filter(isUnsettled);
    const hold = candidates[this.pick % candidates.length];
    await databaseClockPast(real.db, hold.expiresAt);
    hold.status = 'EXPIRED';
    stats.expiries++;
    // An expired hold can no longer be captured.
    const response = await real.users[hold.payer].agent.post(`/v1/holds/${hold.id}/capture`).send({});
    expectAnswer(response, 409, RESOLVED.EXPIRED);
  }
  toString() {
    return `Expire(expiring hold #${this.pick})`;
  }
}

/**
 * Captures (all of it) or voids a hold placed to expire, racing its expiry:
 * PostgreSQL's clock, read before and after the request, says which answers
 * are allowed. Success is only possible if the hold had not expired when the
 * request was sent; "Hold has expired." only if it has by the time it returned.
 */
class ResolveExpiring extends Step {
  constructor(
    readonly pick: number,
    readonly action: 'capture' | 'void',
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return model.holds.some(isUnsettled);
  }
  async apply(model: Model, real: Real) {
    const candidates = model.holds.filter(isUnsettled);
    const hold = candidates[this.pick % candidates.length];
    const payer = real.users[hold.payer];
    const payee = real.users[hold.payee];
    const expiresAt = Date.parse(hold.expiresAt);
    const before = await databaseNow(real.db, 'before');
    const response = await payer.agent.post(`/v1/holds/${hold.id}/${this.action}`).send({});
    const after = await databaseNow(real.db, 'after');
    if (response.status === 409) {
      expectAnswer(response, 409, RESOLVED.EXPIRED);
      expect({ expired: 'by the time it answered', ok: after >= expiresAt }).toEqual({
        expired: 'by the time it answered',
        ok: true,
      });
      hold.status = 'EXPIRED';
      stats.expiries++;
      return;
    }
    expect({ resolved: 'before expiry', ok: before < expiresAt }).toEqual({ resolved: 'before expiry', ok: true });
    const captured = this.action === 'capture';
    expectAnswer(
      response,
      200,
      ok({
        id: hold.id,
        source_wallet_id: payer.walletId,
        destination_wallet_id: payee.walletId,
        amount: money(hold.amount),
        status: captured ? 'CAPTURED' : 'VOIDED',
        expires_at: hold.expiresAt,
        captured_amount: captured ? money(hold.amount) : null,
        transfer_id: captured ? expect.any(String) : null,
        created_at: expect.any(String),
      }),
    );
    if (captured) {
      hold.status = 'CAPTURED';
      model.balances[hold.payer] -= hold.amount;
      model.balances[hold.payee] += hold.amount;
    } else {
      hold.status = 'VOIDED';
    }
    stats.resolvedBeforeExpiry++;
  }
  toString() {
    return `ResolveExpiring(expiring hold #${this.pick}, ${this.action})`;
  }
}

type ReplayKind = 'deposit' | 'transfer' | 'hold';

class IdempotentReplay extends Step {
  constructor(
    readonly kind: ReplayKind,
    readonly from: number,
    readonly toOffset: number,
    readonly spec: AmountSpec,
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return this.from < model.users && (this.kind === 'deposit' || availableIsKnown(model, this.from));
  }
  async apply(model: Model, real: Real) {
    const to = other(model, this.from, this.toOffset);
    const payer = real.users[this.from];
    const payee = real.users[to];
    const amount = this.kind === 'deposit' ? this.depositCents() : amountFor(this.spec, availableOf(model, this.from));
    const path = { deposit: '/v1/wallets/deposit', transfer: '/v1/wallets/transfer', hold: '/v1/wallets/holds' }[
      this.kind
    ];
    const body =
      this.kind === 'deposit'
        ? { amount: money(amount) }
        : this.kind === 'transfer'
          ? { destination: payee.walletId, amount: money(amount) }
          : { destination: payee.walletId, amount: money(amount), expires_in_seconds: LONG_HOLD_SECONDS };
    const key = `model-${randomUUID()}`;
    const send = (payload: object) => payer.agent.post(path).set('Idempotency-Key', key).send(payload);

    const first = await send(body);
    const second = await send(body);
    // The replay is the first answer, status and body, and posts nothing new.
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect({ status: second.status, body: second.body }).toEqual({ status: first.status, body: first.body });
    // The same key with another body is refused, and posts nothing either.
    const reused = await send({ ...body, amount: money(amount + 1n) });
    expectAnswer(reused, 422, KEY_REUSED);

    if (this.kind === 'deposit') {
      expect(first.status).toBe(200);
      expect(first.body.data.amount).toBe(money(amount));
      model.balances[this.from] += amount;
      stats.deposits++;
    } else if (this.kind === 'transfer') {
      expectTransferAnswer(model, first, this.from, to, amount, payer, payee);
    } else {
      expectHoldAnswer(model, first, this.from, to, amount, false, real);
    }
    stats.replays++;
  }
  /** A deposit takes the spec's "extra" (or 1.00) as its amount; the others are relative to what may be spent. */
  depositCents(): bigint {
    return this.spec.kind === 'over' ? BigInt(this.spec.extra) : 100n;
  }
  toString() {
    return this.kind === 'deposit'
      ? `IdempotentReplay(deposit, u${this.from}, ${money(this.depositCents())})`
      : `IdempotentReplay(${this.kind}, u${this.from} -> +${this.toOffset}, ${describeAmount(this.spec)})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Checks.

/**
 * PostgreSQL's clock in milliseconds, rounded away from the request it brackets
 * (down before it, up after it), so that "before" and "after" never claim more
 * than the clock said.
 */
async function databaseNow(db: Client, side: 'before' | 'after'): Promise<number> {
  const { rows } = await db.query<{ ms: string }>(
    `select ${side === 'before' ? 'floor' : 'ceil'}(extract(epoch from clock_timestamp()) * 1000)::bigint::text as ms`,
  );
  return Number(rows[0].ms);
}

/** Polls PostgreSQL's clock (the service's reference for expiry) until it is past `moment`. */
async function databaseClockPast(db: Client, moment: string): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ past: boolean }>(`select clock_timestamp() > $1::timestamptz as past`, [moment]);
    if (rows[0].past) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Every user's balance and available balance, as GET /v1/wallets answers them,
 * are the model's. A hold placed to expire and not yet settled by an Expire
 * step reserves its amount until its expiry by PostgreSQL's clock: read before
 * and after the requests, that clock says whether it must still count, must
 * not, or (expiring while they ran) may count either way.
 */
async function expectWalletsMatch(model: Model, real: Real): Promise<void> {
  const before = await databaseNow(real.db, 'before');
  const answers = [];
  for (const user of real.users) answers.push(await user.agent.get('/v1/wallets').expect(200));
  const after = await databaseNow(real.db, 'after');

  answers.forEach((answer, index) => {
    const user = real.users[index];
    const balance = model.balances[index];
    let certain = 0n;
    const maybe: bigint[] = [];
    for (const hold of model.holds.filter((h) => h.payer === index && isPending(h))) {
      const expiresAt = Date.parse(hold.expiresAt);
      if (!hold.expiring || expiresAt > after) certain += hold.amount;
      else if (expiresAt > before) maybe.push(hold.amount);
    }
    const possible = new Set<string>();
    for (let mask = 0; mask < 1 << maybe.length; mask++) {
      const extra = maybe.reduce((sum, amount, bit) => ((mask >> bit) & 1 ? sum + amount : sum), 0n);
      possible.add(money(balance - certain - extra));
    }
    const { data } = answer.body;
    expect({ user: `u${index}`, id: data.id, user_id: data.user_id, balance: data.balance }).toEqual({
      user: `u${index}`,
      id: user.walletId,
      user_id: user.id,
      balance: money(balance),
    });
    expect(possible).toContain(data.available);
    expect(data.available).not.toMatch(/^-/);
  });
}

/** The holds of this run's users, as stored, agree with the model's. */
async function expectHoldsMatch(model: Model, real: Real): Promise<void> {
  const { rows } = await real.db.query<{
    id: string;
    status: string;
    amount: string;
    captured: string | null;
    past: boolean;
  }>(
    `select id, status, amount::text, captured_amount::text as captured, expires_at <= clock_timestamp() as past
       from holds where source_wallet_id = any($1::uuid[]) order by created_at, id`,
    [real.users.map((user) => user.walletId)],
  );
  const stored = new Map(rows.map((row) => [row.id, row]));
  expect(stored.size).toBe(model.holds.length);
  for (const hold of model.holds) {
    const row = stored.get(hold.id);
    expect({ id: hold.id, amount: row?.amount }).toEqual({ id: hold.id, amount: money(hold.amount) });
    if (hold.status === 'EXPIRED') expect(row).toMatchObject({ status: 'PENDING', past: true, captured: null });
    else if (hold.status === 'PENDING' && !hold.expiring) expect(row).toMatchObject({ status: 'PENDING', past: false });
    else if (hold.status === 'VOIDED') expect(row).toMatchObject({ status: 'VOIDED', captured: null });
    else if (hold.status === 'CAPTURED')
      expect(row).toMatchObject({ status: 'CAPTURED', captured: expect.any(String) });
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.

const userIndex = fc.integer({ min: 0, max: 3 });
const offset = fc.integer({ min: 0, max: 2 });
const amountSpec: fc.Arbitrary<AmountSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 1000 }).map((permille) => ({ kind: 'share', permille }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'all' } as const) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 50_000 }).map((extra) => ({ kind: 'over', extra }) as const) },
);
const captureSpec: fc.Arbitrary<CaptureSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'all' } as const) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 999 }).map((permille) => ({ kind: 'part', permille }) as const) },
  { weight: 2, arbitrary: fc.constant({ kind: 'over' } as const) },
);
const pick = fc.nat({ max: 20 });
const action = fc.constantFrom('capture' as const, 'void' as const);

/** Weighted by repetition: money moves often, rare paths now and then. */
const commandArbitraries: fc.Arbitrary<Command>[] = [
  fc.tuple(userIndex, fc.bigInt({ min: 1n, max: 2_000_000n }), fc.boolean()).map(([u, c, n]) => new Deposit(u, c, n)),
  fc.tuple(userIndex, fc.bigInt({ min: 1n, max: 2_000_000n }), fc.boolean()).map(([u, c, n]) => new Deposit(u, c, n)),
  fc.tuple(userIndex, offset, amountSpec).map(([u, o, s]) => new Transfer(u, o, s)),
  fc.tuple(userIndex, offset, amountSpec).map(([u, o, s]) => new Transfer(u, o, s)),
  fc.tuple(userIndex, offset, amountSpec).map(([u, o, s]) => new PlaceHold(u, o, s, false)),
  fc.tuple(userIndex, offset, amountSpec).map(([u, o, s]) => new PlaceHold(u, o, s, false)),
  fc.tuple(userIndex, offset, amountSpec).map(([u, o, s]) => new PlaceHold(u, o, s, true)),
  fc.tuple(pick, captureSpec).map(([p, s]) => new Capture(p, s)),
  fc.tuple(pick, captureSpec).map(([p, s]) => new Capture(p, s)),
  fc.tuple(pick, captureSpec).map(([p, s]) => new Capture(p, s)),
  pick.map((p) => new Void(p)),
  fc.tuple(pick, action).map(([p, a]) => new ResolveAgain(p, a)),
  fc.tuple(pick, offset, action).map(([p, o, a]) => new Stranger(p, o, a)),
  pick.map((p) => new Expire(p)),
  pick.map((p) => new Expire(p)),
  fc.tuple(pick, action).map(([p, a]) => new ResolveExpiring(p, a)),
  fc
    .tuple(fc.constantFrom<ReplayKind>('deposit', 'transfer', 'hold'), userIndex, offset, amountSpec)
    .map(([k, u, o, s]) => new IdempotentReplay(k, u, o, s)),
];

// ---------------------------------------------------------------------------------------------

describe('the ledger against a model of the contract (fast-check)', () => {
  let t: TestApp;
  let db: Client;

  beforeAll(async () => {
    t = await createTestApp();
    db = await connectDb(t.databaseUrl);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it(
    `keeps every balance and available balance equal to the model's, and the ledger sound, ` +
      `over ${RUNS} random runs of up to ${MAX_COMMANDS} deposits, transfers, holds, captures, voids, expiries and replays (seed ${SEED})`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          // 3 or 4 users, each with an opening deposit (or none: 0).
          fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 500_000n })), { minLength: 3, maxLength: 4 }),
          fc.commands(commandArbitraries, { maxCommands: MAX_COMMANDS, size: 'max' }),
          async (openings, commands) => {
            stats.runs++;
            const users = await Promise.all(openings.map(() => registerUser(t.server)));
            for (const [index, cents] of openings.entries()) {
              if (cents > 0n)
                await users[index].agent
                  .post('/v1/wallets/deposit')
                  .send({ amount: money(cents) })
                  .expect(200);
            }
            const model: Model = { users: users.length, balances: [...openings], holds: [], expiringPlaced: 0 };
            const real: Real = { db, users };
            await expectWalletsMatch(model, real);
            await fc.asyncModelRun(() => ({ model, real }), commands);
            await expectHoldsMatch(model, real);
            await expectSoundLedger(t, db);
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );

      console.log(
        `ledger model: ${stats.runs} runs, ${stats.steps} steps (seed ${SEED}): ${JSON.stringify({ ...stats, runs: undefined, steps: undefined })}`,
      );
      expect(stats.runs).toBe(RUNS);
      if (SEED === DEFAULT_SEED && RUNS >= 20 && MAX_COMMANDS >= 30) {
        // The fixed seed really walks every path of the contract the model knows.
        for (const path of Object.keys(stats) as (keyof typeof stats)[]) {
          expect({ path, covered: stats[path] > 0 }).toEqual({ path, covered: true });
        }
      }
    },
    RUNS * 8_000 + 30_000,
  );
});
