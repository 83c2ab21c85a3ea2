import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Client } from 'pg';
import type { Response } from 'supertest';
import type { ErrorCode } from '@app/http';
import { FUNDING_WALLET_ID } from '@app/ledger';
import { type TestContext, useTestContext, type RegisteredUser, money, type ErrorReason } from '@app/testing';

/**
 * A model-based test of the money contract (part A transfers and deposits,
 * part B holds, idempotency, and an admin's freezes and reversals, whole or
 * partial, of transfers and deposits, on frozen wallets too): fast-check
 * generates random sequences of commands over 3-4 fresh users; each command
 * runs against the real service over HTTP and against a tiny in-memory model
 * written with BigInt cents. After every step each user's balance and
 * available balance must be the model's; after every run the whole ledger must
 * pass the invariant checks and the admin's audit route must answer clean.
 *
 * Commands here run one at a time; ledger-bursts.model.e2e-spec.ts is the
 * concurrent mode (bursts fired at once, checked against some serial order).
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

/**
 * A TRANSFER journal entry (posted by a transfer or by a capture) or a
 * DEPOSIT (its payer the funding wallet: null): what reversals may undo, in
 * parts that never add up to more than its amount.
 */
interface ModelEntry {
  id: string;
  type: 'TRANSFER' | 'DEPOSIT';
  payer: number | null;
  payee: number;
  amount: bigint;
  /** What its reversals added up to so far. */
  reversed: bigint;
}

/** The entries that are never reversible. */
type Unreversible = 'REVERSAL';

interface Model {
  users: number;
  balances: bigint[];
  /** Frozen by the admin: the wallet can neither send nor receive. */
  frozen: boolean[];
  holds: ModelHold[];
  expiringPlaced: number;
  /** Transfers, captures and deposits: the reversible entries. */
  transfers: ModelEntry[];
  /** Reversals, by transfer_id. */
  unreversible: { id: string; type: Unreversible }[];
}

interface Real {
  ctx: TestContext;
  admin: RegisteredUser;
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
const WALLET_ALREADY_FROZEN = failure('CONFLICT', 'WALLET_ALREADY_FROZEN', 'Wallet is already frozen.');
const WALLET_NOT_FROZEN = failure('CONFLICT', 'WALLET_NOT_FROZEN', 'Wallet is not frozen.');
const alreadyReversed = (type: ModelEntry['type']) =>
  failure('CONFLICT', 'ALREADY_REVERSED', `This ${type.toLowerCase()} was already reversed.`);
const exceedsRemaining = (entry: ModelEntry) =>
  failure(
    'CONFLICT',
    'REVERSAL_EXCEEDS_REMAINING',
    `Only ${money(entry.amount - entry.reversed)} of this ${entry.type.toLowerCase()}'s ${money(entry.amount)} is left to reverse.`,
    'amount',
  );
const NOT_REVERSIBLE = failure('CONFLICT', 'NOT_REVERSIBLE', 'A reversal cannot be reversed; only transfers and deposits can.');
/** A reversal's payer (the entry's payee) cannot pay it back: the message names it and what it has. */
const reversalUnaffordable = (entry: ModelEntry, walletId: string, available: bigint, amount: bigint) =>
  failure(
    'BAD_REQUEST',
    'INSUFFICIENT_FUNDS',
    `Insufficient funds: the ${entry.type === 'DEPOSIT' ? 'depositor' : 'payee'}'s wallet ${walletId} has ${money(available)} available; the reversal needs ${money(amount)}.`,
  );
const depositEntry = (id: string, user: number, amount: bigint): ModelEntry => ({
  id,
  type: 'DEPOSIT',
  payer: null,
  payee: user,
  amount,
  reversed: 0n,
});
/** The caller's own wallet is frozen (it pays, or a deposit credits it): the owner is told what to do. */
const YOURS_FROZEN = 'Your wallet is frozen: it cannot send or receive money. Contact support to have it reviewed.';
const DESTINATION_FROZEN = 'The destination wallet is frozen and cannot receive money.';
/** A user's own wallet, paying or credited by a deposit. */
const ownWalletFrozen = () => failure('FORBIDDEN', 'WALLET_FROZEN', YOURS_FROZEN);
/** The target is the request's `destination` field when it named the payee (a transfer, a hold), else `__all__`. */
const destinationFrozen = (target = '__all__') => failure('FORBIDDEN', 'WALLET_FROZEN', DESTINATION_FROZEN, target);
/** A reversal is the operator's: its refusals name the wallet by its part. */
const payerFrozen = (walletId: string) => failure('FORBIDDEN', 'WALLET_FROZEN', `Paying wallet ${walletId} is frozen.`);
const payeeFrozen = (walletId: string) => failure('FORBIDDEN', 'WALLET_FROZEN', `Destination wallet ${walletId} is frozen.`);
const CLEAN_AUDIT = {
  balanced: true,
  total: '0.00',
  wallets_checked: expect.any(Number),
  operations_checked: expect.any(Number),
  mismatches: [],
  unbalanced_entries: [],
  chain_ok: true,
  first_break: null,
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

/**
 * The checks every movement of money between two wallets makes under their
 * locks (transfer, hold, capture, reversal, and a deposit, whose payer is the
 * funding wallet: `payer` null), in the contract's order: the payer is frozen
 * (403), it cannot pay (400), the payee is frozen (403, named as the request
 * named it: `payeeNamedBy`, see payment.rules.ts). When one refuses,
 * expects that answer, counts it and returns true; else returns false and the
 * caller checks the success.
 */
function expectPaymentRefusal(
  model: Model,
  real: Real,
  response: Response,
  payment: {
    payer: number | null;
    payee: number;
    affordable: boolean;
    payeeNamedBy?: 'destination' | 'own';
    /** A reversal: the operator's movement, nobody's own. */
    byOperator?: boolean;
  },
): boolean {
  const { payer, payee, affordable, payeeNamedBy, byOperator } = payment;
  if (payer !== null && model.frozen[payer]) {
    expectAnswer(response, 403, byOperator ? payerFrozen(real.users[payer].walletId) : ownWalletFrozen());
    stats.refusedFrozen++;
  } else if (!affordable) {
    expectAnswer(response, 400, INSUFFICIENT_FUNDS);
    stats.refusedForFunds++;
  } else if (model.frozen[payee]) {
    const walletId = real.users[payee].walletId;
    expectAnswer(
      response,
      403,
      byOperator
        ? payeeFrozen(walletId)
        : payeeNamedBy === 'own'
          ? ownWalletFrozen()
          : destinationFrozen(payeeNamedBy ?? '__all__'),
    );
    stats.refusedFrozen++;
  } else {
    return false;
  }
  return true;
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
  reversals: 0,
  /** Reversals of part of what is left of an entry. */
  partialReversals: 0,
  /** Reversals of (part of) a deposit: chargebacks. */
  depositReversals: 0,
  /** Reversals of (part of) a transfer or a capture. */
  transferReversals: 0,
  /** Reversals that went through while a wallet of theirs was frozen. */
  clawBacks: 0,
  /** Reversals refused, for any reason: the next three, or funds. */
  refusedReversals: 0,
  reversedAgain: 0,
  exceedingRemaining: 0,
  notReversible: 0,
  freezes: 0,
  unfreezes: 0,
  /** Freezing a frozen wallet or unfreezing one that is not (409). */
  freezeConflicts: 0,
  /** Any command refused because a wallet is frozen (403). */
  refusedFrozen: 0,
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
    expectDepositAnswer(model, real, response, this.user, this.cents);
  }
  toString() {
    return `Deposit(u${this.user}, ${money(this.cents)}${this.asNumber ? ' as a JSON number' : ''})`;
  }
}

function expectDepositAnswer(model: Model, real: Real, response: Response, to: number, cents: bigint): void {
  if (expectPaymentRefusal(model, real, response, { payer: null, payee: to, affordable: true, payeeNamedBy: 'own' })) {
    return;
  }
  const user = real.users[to];
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
      amount: money(cents),
      timestamp: expect.any(String),
      // Receipts: gapless sequences are checked by the ledger invariants after each run.
      sequence: expect.any(Number),
      balance_after: money(model.balances[to] + cents),
      reverses: null,
      reversed_amount: null,
    }),
  );
  model.balances[to] += cents;
  model.transfers.push(depositEntry(response.body.data.transfer_id, to, cents));
  stats.deposits++;
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
    const response = await real.users[this.from].agent
      .post('/v1/wallets/transfer')
      .send({ destination: real.users[to].walletId, amount: money(amount) });
    expectTransferAnswer(model, real, response, this.from, to, amount);
  }
  toString() {
    return `Transfer(u${this.from} -> +${this.toOffset}, ${describeAmount(this.spec)})`;
  }
}

function expectTransferAnswer(
  model: Model,
  real: Real,
  response: Response,
  from: number,
  to: number,
  amount: bigint,
): void {
  const affordable = amount <= availableOf(model, from);
  if (expectPaymentRefusal(model, real, response, { payer: from, payee: to, affordable, payeeNamedBy: 'destination' })) {
    return;
  }
  const payer = real.users[from];
  const payee = real.users[to];
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
      reverses: null,
      reversed_amount: null,
    }),
  );
  model.balances[from] -= amount;
  model.balances[to] += amount;
  model.transfers.push({
    id: response.body.data.transfer_id,
    type: 'TRANSFER',
    payer: from,
    payee: to,
    amount,
    reversed: 0n,
  });
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
  const affordable = amount <= availableOf(model, from);
  if (expectPaymentRefusal(model, real, response, { payer: from, payee: to, affordable, payeeNamedBy: 'destination' })) {
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
    // The hold's own reservation pays for the capture: it is always affordable.
    if (expectPaymentRefusal(model, real, response, { payer: hold.payer, payee: hold.payee, affordable: true })) return;
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
    model.transfers.push({
      id: response.body.data.transfer_id,
      type: 'TRANSFER',
      payer: hold.payer,
      payee: hold.payee,
      amount: captured,
      reversed: 0n,
    });
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
    await real.ctx.databaseClockPast(hold.expiresAt);
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
    const before = await databaseNow(real.ctx.db, 'before');
    const response = await payer.agent.post(`/v1/holds/${hold.id}/${this.action}`).send({});
    const after = await databaseNow(real.ctx.db, 'after');
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
    // Anything else is an answer given before the hold expired.
    expect({ resolved: 'before expiry', ok: before < expiresAt }).toEqual({ resolved: 'before expiry', ok: true });
    const captured = this.action === 'capture';
    if (
      captured &&
      expectPaymentRefusal(model, real, response, { payer: hold.payer, payee: hold.payee, affordable: true })
    )
      return;
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
      model.transfers.push({
        id: response.body.data.transfer_id,
        type: 'TRANSFER',
        payer: hold.payer,
        payee: hold.payee,
        amount: hold.amount,
        reversed: 0n,
      });
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
      expectDepositAnswer(model, real, first, this.from, amount);
    } else if (this.kind === 'transfer') {
      expectTransferAnswer(model, real, first, this.from, to, amount);
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

/**
 * What a reversal is asked to undo: an entry (transfer, capture or deposit)
 * with something left to reverse, whose payee's available balance the model
 * knows (it pays the money back out of it); an entry with nothing left
 * (409 ALREADY_REVERSED); a reversal (409, never reversible).
 */
type ReverseTarget = 'open' | 'reversed' | Unreversible;

/** How much to reverse of what is left: all of it (no amount sent), a share, or more than is left (409). */
type ReverseAmount = { kind: 'rest' } | { kind: 'part'; permille: number } | { kind: 'over'; extra: number };

class Reverse extends Step {
  constructor(
    readonly pick: number,
    readonly target: ReverseTarget,
    readonly spec: ReverseAmount,
    readonly reason: string | null,
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return this.candidates(model).length > 0;
  }
  candidates(model: Readonly<Model>): { id: string }[] {
    switch (this.target) {
      case 'open':
        return model.transfers.filter((entry) => entry.reversed < entry.amount && availableIsKnown(model, entry.payee));
      case 'reversed':
        return model.transfers.filter((entry) => entry.reversed === entry.amount);
      default:
        return model.unreversible;
    }
  }
  /** The amount asked for (null: none sent, all that is left) out of `left`. */
  asked(left: bigint): bigint | null {
    switch (this.spec.kind) {
      case 'rest':
        return null;
      case 'part': {
        const share = (left * BigInt(this.spec.permille)) / 1000n;
        return share > 0n ? share : 1n;
      }
      case 'over':
        return left + BigInt(this.spec.extra);
    }
  }
  async apply(model: Model, real: Real) {
    const candidates = this.candidates(model);
    const picked = candidates[this.pick % candidates.length];
    const entry = this.target === 'REVERSAL' ? null : (picked as ModelEntry);
    const left = entry ? entry.amount - entry.reversed : 0n;
    const asked = this.asked(left > 0n ? left : 100n);
    const response = await real.admin.agent
      .post(`/v1/admin/transfers/${picked.id}/reversal`)
      .send({ ...(this.reason === null ? {} : { reason: this.reason }), ...(asked === null ? {} : { amount: money(asked) }) });
    if (!entry) {
      expectAnswer(response, 409, NOT_REVERSIBLE);
      stats.notReversible++;
      stats.refusedReversals++;
      return;
    }
    if (left === 0n) {
      expectAnswer(response, 409, alreadyReversed(entry.type));
      stats.reversedAgain++;
      stats.refusedReversals++;
      return;
    }
    const amount = asked ?? left;
    if (amount > left) {
      expectAnswer(response, 409, exceedsRemaining(entry));
      stats.exceedingRemaining++;
      stats.refusedReversals++;
      return;
    }
    // The money goes back: the entry's payee pays, out of its available balance, the entry's payer (the
    // funding wallet, for a deposit). A frozen wallet does not refuse it: an operator's correction.
    const payer = entry.payee;
    const payee = entry.payer;
    const available = availableOf(model, payer);
    if (amount > available) {
      expectAnswer(response, 400, reversalUnaffordable(entry, real.users[payer].walletId, available, amount));
      stats.refusedForFunds++;
      stats.refusedReversals++;
      return;
    }
    const walletOf = (user: number | null) => (user === null ? FUNDING_WALLET_ID : real.users[user].walletId);
    const leg = (wallet: number | null, signed: bigint) => ({
      id: expect.any(String),
      transfer_id: response.body.data?.id,
      wallet_id: walletOf(wallet),
      source_wallet_id: walletOf(payer),
      destination_wallet_id: walletOf(payee),
      type: 'REVERSAL',
      amount: money(signed),
      timestamp: expect.any(String),
      sequence: wallet === null ? null : expect.any(Number),
      balance_after: wallet === null ? null : money(model.balances[wallet] + signed),
      reverses: entry.id,
      reversed_amount: null,
    });
    expectAnswer(
      response,
      200,
      ok({
        id: expect.any(String),
        type: 'REVERSAL',
        reversed_transfer_id: entry.id,
        reason: this.reason,
        amount: money(amount),
        reversed_amount: money(entry.reversed + amount),
        remaining: money(left - amount),
        operations: [leg(payer, -amount), leg(payee, amount)],
      }),
    );
    if (model.frozen[payer] || (payee !== null && model.frozen[payee])) stats.clawBacks++;
    model.balances[payer] -= amount;
    if (payee !== null) model.balances[payee] += amount;
    entry.reversed += amount;
    model.unreversible.push({ id: response.body.data.id, type: 'REVERSAL' });
    stats.reversals++;
    if (amount < left) stats.partialReversals++;
    if (entry.type === 'DEPOSIT') stats.depositReversals++;
    else stats.transferReversals++;
  }
  toString() {
    const what = { open: 'entry', reversed: 'reversed entry', REVERSAL: 'reversal' };
    const amount =
      this.spec.kind === 'rest'
        ? 'all left'
        : this.spec.kind === 'part'
          ? `${this.spec.permille / 10}% of what is left`
          : `what is left + ${money(BigInt(this.spec.extra))}`;
    return `Reverse(${what[this.target]} #${this.pick}, ${amount}${this.reason === null ? '' : `, reason ${JSON.stringify(this.reason)}`})`;
  }
}

/** The admin freezes a user's wallet (409 when it already is frozen). */
class Freeze extends Step {
  constructor(readonly user: number) {
    super();
  }
  check(model: Readonly<Model>) {
    return this.user < model.users;
  }
  async apply(model: Model, real: Real) {
    await expectFreezeAnswer(model, real, this.user, true);
  }
  toString() {
    return `Freeze(u${this.user})`;
  }
}

/**
 * The admin unfreezes a frozen wallet, or (stray) one that is not frozen
 * (409); tried only when there is such a wallet.
 */
class Unfreeze extends Step {
  constructor(
    readonly pick: number,
    readonly stray: boolean,
  ) {
    super();
  }
  check(model: Readonly<Model>) {
    return this.candidates(model).length > 0;
  }
  candidates(model: Readonly<Model>): number[] {
    return model.frozen.flatMap((frozen, user) => (frozen !== this.stray ? [user] : []));
  }
  async apply(model: Model, real: Real) {
    const candidates = this.candidates(model);
    await expectFreezeAnswer(model, real, candidates[this.pick % candidates.length], false);
  }
  toString() {
    return `Unfreeze(${this.stray ? 'unfrozen' : 'frozen'} user #${this.pick})`;
  }
}

async function expectFreezeAnswer(model: Model, real: Real, index: number, frozen: boolean): Promise<void> {
  const user = real.users[index];
  const response = await real.admin.agent
    .post(`/v1/admin/wallets/${user.walletId}/${frozen ? 'freeze' : 'unfreeze'}`)
    .send({ reason: 'model' });
  if (model.frozen[index] === frozen) {
    expectAnswer(response, 409, frozen ? WALLET_ALREADY_FROZEN : WALLET_NOT_FROZEN);
    stats.freezeConflicts++;
    return;
  }
  expectAnswer(
    response,
    200,
    ok({
      id: user.walletId,
      user_id: user.id,
      username: user.username,
      kind: 'USER',
      balance: money(model.balances[index]),
      available: availableIsKnown(model, index) ? money(availableOf(model, index)) : expect.any(String),
      frozen,
      frozen_at: frozen ? expect.any(String) : null,
      frozen_reason: frozen ? 'model' : null,
      frozen_by: frozen ? real.admin.username : null,
      last_sequence: expect.any(Number),
    }),
  );
  model.frozen[index] = frozen;
  if (frozen) stats.freezes++;
  else stats.unfreezes++;
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

/**
 * Every user's balance and available balance, as GET /v1/wallets answers them,
 * are the model's. A hold placed to expire and not yet settled by an Expire
 * step reserves its amount until its expiry by PostgreSQL's clock: read before
 * and after the requests, that clock says whether it must still count, must
 * not, or (expiring while they ran) may count either way.
 */
async function expectWalletsMatch(model: Model, real: Real): Promise<void> {
  const before = await databaseNow(real.ctx.db, 'before');
  const answers = [];
  for (const user of real.users) answers.push(await user.agent.get('/v1/wallets').expect(200));
  const after = await databaseNow(real.ctx.db, 'after');

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
  const { rows } = await real.ctx.db.query<{
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

/** The admin's audit recomputes every wallet and verifies every hash chain: all clean. */
async function expectCleanAudit(real: Real): Promise<void> {
  const audit = await real.admin.agent.get('/v1/admin/ledger/audit');
  expectAnswer(audit, 200, ok(CLEAN_AUDIT));
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
const reason = fc.option(fc.constantFrom('sent to the wrong wallet', 'ticket 4711'), { nil: null });
/** What a reversal is refused for (409): an entry with nothing left to reverse, more often than a reversal. */
const refusedReverseTarget = fc.constantFrom<ReverseTarget>('reversed', 'reversed', 'REVERSAL');
/** All that is left (no amount), a part of it, or more than is left (409). */
const reverseAmount: fc.Arbitrary<ReverseAmount> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'rest' } as const) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 999 }).map((permille) => ({ kind: 'part', permille }) as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 500 }).map((extra) => ({ kind: 'over', extra }) as const) },
);
/** Mostly a frozen wallet is unfrozen; now and then one that is not. */
const stray = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

/**
 * Weighted by repetition: money moves often, rare paths now and then. (Tuned
 * so that the default seed covers every counted path; a run is short, so a
 * reversal, refused or not, needs some weight to find a transfer to undo.)
 */
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
  fc.tuple(pick, action).map(([p, a]) => new ResolveExpiring(p, a)),
  fc.tuple(pick, action).map(([p, a]) => new ResolveExpiring(p, a)),
  fc
    .tuple(fc.constantFrom<ReplayKind>('deposit', 'transfer', 'hold'), userIndex, offset, amountSpec)
    .map(([k, u, o, s]) => new IdempotentReplay(k, u, o, s)),
  fc.tuple(pick, reverseAmount, reason).map(([p, a, r]) => new Reverse(p, 'open', a, r)),
  fc.tuple(pick, reverseAmount, reason).map(([p, a, r]) => new Reverse(p, 'open', a, r)),
  fc.tuple(pick, refusedReverseTarget, reverseAmount, reason).map(([p, k, a, r]) => new Reverse(p, k, a, r)),
  userIndex.map((u) => new Freeze(u)),
  fc.tuple(pick, stray).map(([p, s]) => new Unfreeze(p, s)),
];

// ---------------------------------------------------------------------------------------------

describe('the ledger against a model of the contract (fast-check)', () => {
  const ctx = useTestContext();
  let admin: RegisteredUser;

  beforeAll(async () => {
    // One admin for every run (made as `make admin` does), who reverses, freezes and audits.
    admin = await ctx.registerUser();
    await ctx.promote(admin);
  });

  it(
    `keeps every balance and available balance equal to the model's, and the ledger sound, ` +
      `over ${RUNS} random runs of up to ${MAX_COMMANDS} deposits, transfers, holds, captures, voids, expiries, replays, ` +
      `reversals and freezes (seed ${SEED}), with a clean audit`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          // 3 or 4 users, each with an opening deposit (or none: 0).
          fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 500_000n })), { minLength: 3, maxLength: 4 }),
          fc.commands(commandArbitraries, { maxCommands: MAX_COMMANDS, size: 'max' }),
          async (openings, commands) => {
            stats.runs++;
            const users = await Promise.all(openings.map(() => ctx.registerUser()));
            const model: Model = {
              users: users.length,
              balances: [...openings],
              frozen: openings.map(() => false),
              holds: [],
              expiringPlaced: 0,
              transfers: [],
              unreversible: [],
            };
            for (const [index, cents] of openings.entries()) {
              if (cents > 0n) {
                const opening = await users[index].agent
                  .post('/v1/wallets/deposit')
                  .send({ amount: money(cents) })
                  .expect(200);
                model.transfers.push(depositEntry(opening.body.data.transfer_id, index, cents));
              }
            }
            const real: Real = { ctx, admin, users };
            await expectWalletsMatch(model, real);
            await fc.asyncModelRun(() => ({ model, real }), commands);
            await expectHoldsMatch(model, real);
            await ctx.expectLedgerInvariants();
            await expectCleanAudit(real);
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
