import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { FUNDING_WALLET_ID } from '@app/ledger';
import {
  useTestContext,
  type RegisteredUser,
  money,
  seededRandom,
  failure,
  INSUFFICIENT_FUNDS,
  DESTINATION_MISSING,
  KEY_REUSED,
} from '@app/testing';

/**
 * The concurrent mode of the ledger model (ledger.model.e2e-spec.ts is the
 * serial one): fast-check generates runs of BURSTS of money commands over 3-4
 * fresh users (deposits, transfers, transfers to a wallet that does not
 * exist, hold place/capture/void, an admin's reversals; keyed or not, some
 * sent several times with one Idempotency-Key, now and then with another
 * body; an admin freeze or unfreeze between bursts). Each burst is fired at
 * once (Promise.all) against the real service, the way issue 10's batcher
 * will see it; nothing says in which order the service runs them.
 *
 * What is checked after each burst: there is a serial order of the burst's
 * commands in which
 *   - every command's answer is exactly the model's answer at its position
 *     (status and reason of each refusal, and for a success its receipts:
 *     balance_after, captured amount, ...). So a refusal for funds is checked
 *     against the balance the wallet had at that point of that order, not
 *     merely "some order could have refused it";
 *   - the postings appear in each wallet's ledger in that order: the burst's
 *     new operations of each wallet, by sequence, are exactly the entries of
 *     the acknowledged commands touching it, in the order's order. Nothing
 *     acknowledged is missing, nothing else was posted (a key posting twice,
 *     a refused command posting anyway);
 *   - the model's balance and available balance of every user equal the
 *     service's afterwards.
 * The order is found by a depth-first search over the burst's commands,
 * pruned at the first answer or ledger position that disagrees (bursts are
 * small: at most MAX_COMMANDS commands, so even a full search stays cheap).
 * Answers that depend on the order are what make the search necessary:
 * competing payments out of one wallet, a capture racing a void, a transfer
 * reversed twice.
 *
 * The duplicates of one key: the first to run gives the key's answer, and
 * every other one with the same body replays it byte for byte
 * (Idempotent-Replayed: true); with another body it answers 422; a 409
 * "still in progress" (allowed by the contract) is sent again until it
 * settles. A duplicate may also run on its own where no answer is recorded
 * yet (after a 409 conflict, which records nothing): it is then one more
 * command of the burst, explained by the same serial order. Keys of earlier
 * bursts are sent again inside later bursts and must replay.
 *
 * After each run: the ledger invariants (sum zero, balances equal their
 * operations, gapless sequences, hash chains, pending-holds counters) from
 * the raw rows and from the admin's audit route, and the stored holds equal
 * the model's.
 *
 * MODEL_RUNS is the number of runs, as in the serial model (default 20, about
 * 15 s; `make test-long` runs 300), MODEL_BURSTS the most bursts per run
 * (default 5), MODEL_SEED the seed.
 */
const RUNS = Number(process.env.MODEL_RUNS ?? 20);
const MAX_BURSTS = Number(process.env.MODEL_BURSTS ?? 5);
const MAX_COMMANDS = 6;
const DEFAULT_SEED = 20261127;
const SEED = Number(process.env.MODEL_SEED ?? DEFAULT_SEED);
const HOLD_SECONDS = 3600;
const KEY = 'Idempotency-Key';
const REPLAYED = 'idempotent-replayed';

// ---------------------------------------------------------------------------------------------
// The model, in cents.

interface ModelHold {
  payer: number;
  payee: number;
  amount: bigint;
  status: 'PENDING' | 'CAPTURED' | 'VOIDED';
}

/** A TRANSFER entry (a transfer or a capture): what a reversal undoes, at most once. */
interface ModelTransfer {
  payer: number;
  payee: number;
  amount: bigint;
  reversed: boolean;
}

interface State {
  balances: bigint[];
  frozen: boolean[];
  holds: Map<string, ModelHold>;
  transfers: Map<string, ModelTransfer>;
}

const cloneState = (s: State): State => ({
  balances: [...s.balances],
  frozen: [...s.frozen],
  holds: new Map([...s.holds].map(([id, hold]) => [id, { ...hold }])),
  transfers: new Map([...s.transfers].map(([id, t]) => [id, { ...t }])),
});

const reservedBy = (s: State, user: number) =>
  [...s.holds.values()]
    .filter((h) => h.payer === user && h.status === 'PENDING')
    .reduce((sum, h) => sum + h.amount, 0n);
const availableOf = (s: State, user: number) => s.balances[user] - reservedBy(s, user);

/** A command, resolved against the state at the start of its burst. */
type Command =
  | { kind: 'deposit'; to: number; amount: bigint }
  | { kind: 'transfer'; from: number; to: number; amount: bigint }
  | { kind: 'nowhere'; from: number; amount: bigint }
  | { kind: 'hold'; from: number; to: number; amount: bigint }
  | { kind: 'capture'; holdId: string; payer: number; amount: bigint | null }
  | { kind: 'void'; holdId: string; payer: number }
  | { kind: 'reverse'; transferId: string };

/** A wallet id that never exists: the destination of `nowhere`. */
const NOWHERE = randomUUID();

// ---------------------------------------------------------------------------------------------
// Expected answers.

type Outcome = { status: number; body: unknown };

/** The caller's own wallet is frozen (it pays, or a deposit credits it): the owner is told what to do. */
const YOURS_FROZEN = 'Your wallet is frozen: it cannot send or receive money. Contact support to have it reviewed.';
const DESTINATION_FROZEN = 'The destination wallet is frozen and cannot receive money.';
/** A user's own wallet, paying or credited by a deposit. */
const ownWalletFrozen = () => failure(403, 'FORBIDDEN', 'WALLET_FROZEN', YOURS_FROZEN);
/** The target is the request's `destination` field when it named the payee (a transfer, a hold), else `__all__`. */
const destinationFrozen = (target = '__all__') => failure(403, 'FORBIDDEN', 'WALLET_FROZEN', DESTINATION_FROZEN, target);
/** A reversal is the operator's: its refusals name the wallet by its part. */
const payerFrozen = (walletId: string) =>
  failure(403, 'FORBIDDEN', 'WALLET_FROZEN', `Paying wallet ${walletId} is frozen.`);
const payeeFrozen = (walletId: string) =>
  failure(403, 'FORBIDDEN', 'WALLET_FROZEN', `Destination wallet ${walletId} is frozen.`);
const CAPTURE_EXCEEDS_HOLD = failure(
  422,
  'UNPROCESSABLE_ENTITY',
  'CAPTURE_EXCEEDS_HOLD',
  'Must not exceed the held amount.',
  'amount',
);
const RESOLVED = {
  CAPTURED: failure(409, 'CONFLICT', 'HOLD_ALREADY_RESOLVED', 'Hold was already captured.'),
  VOIDED: failure(409, 'CONFLICT', 'HOLD_ALREADY_RESOLVED', 'Hold was already voided.'),
};
const ALREADY_REVERSED = failure(409, 'CONFLICT', 'ALREADY_REVERSED', 'This transfer was already reversed.');
const KEY_IN_PROGRESS = failure(
  409,
  'CONFLICT',
  'IDEMPOTENCY_KEY_IN_PROGRESS',
  'A request with this Idempotency-Key is still in progress; retry it later.',
  KEY,
);
const ok = (data: object): Outcome => ({ status: 200, body: { status: { success: true, errors: [] }, data } });

/** `expected` is contained in `actual`: every key it names has that value (arrays: same length, each element). */
function matches(expected: unknown, actual: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return expected === actual;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(e, actual[i]))
    );
  }
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(([key, value]) => matches(value, (actual as Record<string, unknown>)[key]));
}

const sameOutcome = (expected: Outcome, actual: Outcome) =>
  expected.status === actual.status && matches(expected.body, actual.body);

/**
 * The checks every payment makes under its wallets' locks, in the contract's
 * order (payer frozen 403, funds 400, destination missing 404, destination
 * frozen 403): the refusal, or null when it passes.
 */
function paymentRefusal(
  s: State,
  wallets: string[],
  payment: {
    payer: number | null;
    payee: number | null;
    affordable: boolean;
    payeeNamedBy?: 'destination' | 'own';
    /** A reversal: the operator's movement, nobody's own. */
    byOperator?: boolean;
  },
): Outcome | null {
  const { payer, payee, affordable, payeeNamedBy, byOperator } = payment;
  if (payer !== null && s.frozen[payer]) return byOperator ? payerFrozen(wallets[payer]) : ownWalletFrozen();
  if (!affordable) return INSUFFICIENT_FUNDS;
  if (payee === null) return DESTINATION_MISSING;
  if (s.frozen[payee]) {
    if (byOperator) return payeeFrozen(wallets[payee]);
    return payeeNamedBy === 'own' ? ownWalletFrozen() : destinationFrozen(payeeNamedBy ?? '__all__');
  }
  return null;
}

/** What a command that passed the checks posted: its journal entry and the user wallets it touched. */
type Effect = { entry?: { id: string; users: number[] } };

/**
 * One command run against the model at its position in a serial order: if the
 * service's answer is the model's, applies the command to `s` and returns
 * what it posted; else null (and `s` is to be dropped).
 */
function step(s: State, command: Command, answer: Outcome, wallets: string[]): Effect | null {
  const data = (answer.body as { data?: Record<string, unknown> } | undefined)?.data;
  const verdict = (expected: Outcome, apply: () => Effect = () => ({})): Effect | null =>
    sameOutcome(expected, answer) ? apply() : null;
  switch (command.kind) {
    case 'deposit': {
      const { to, amount } = command;
      const refused = paymentRefusal(s, wallets, { payer: null, payee: to, affordable: true, payeeNamedBy: 'own' });
      if (refused) return verdict(refused);
      const expected = ok({
        wallet_id: wallets[to],
        source_wallet_id: FUNDING_WALLET_ID,
        destination_wallet_id: wallets[to],
        type: 'DEPOSIT',
        amount: money(amount),
        balance_after: money(s.balances[to] + amount),
        reverses: null,
        reversed_amount: null,
      });
      return verdict(expected, () => {
        s.balances[to] += amount;
        return { entry: { id: String(data?.transfer_id), users: [to] } };
      });
    }
    case 'transfer':
    case 'nowhere': {
      const { from, amount } = command;
      const to = command.kind === 'transfer' ? command.to : null;
      const refused = paymentRefusal(s, wallets, {
        payer: from,
        payee: to,
        affordable: amount <= availableOf(s, from),
        payeeNamedBy: 'destination',
      });
      if (refused || to === null) return verdict(refused!);
      const expected = ok({
        wallet_id: wallets[from],
        source_wallet_id: wallets[from],
        destination_wallet_id: wallets[to],
        type: 'TRANSFER',
        amount: money(-amount),
        balance_after: money(s.balances[from] - amount),
        reverses: null,
        reversed_amount: null,
      });
      return verdict(expected, () => {
        const id = String(data?.transfer_id);
        s.balances[from] -= amount;
        s.balances[to] += amount;
        s.transfers.set(id, { payer: from, payee: to, amount, reversed: false });
        return { entry: { id, users: [from, to] } };
      });
    }
    case 'hold': {
      const { from, to, amount } = command;
      const refused = paymentRefusal(s, wallets, {
        payer: from,
        payee: to,
        affordable: amount <= availableOf(s, from),
        payeeNamedBy: 'destination',
      });
      if (refused) return verdict(refused);
      const expected = ok({
        source_wallet_id: wallets[from],
        destination_wallet_id: wallets[to],
        amount: money(amount),
        status: 'PENDING',
        captured_amount: null,
        transfer_id: null,
      });
      return verdict(expected, () => {
        s.holds.set(String(data?.id), { payer: from, payee: to, amount, status: 'PENDING' });
        return {};
      });
    }
    case 'capture': {
      const hold = s.holds.get(command.holdId)!;
      if (hold.status !== 'PENDING') return verdict(RESOLVED[hold.status]);
      const captured = command.amount ?? hold.amount;
      if (captured > hold.amount) return verdict(CAPTURE_EXCEEDS_HOLD);
      // The hold's own reservation pays for it.
      const affordable = captured <= availableOf(s, hold.payer) + hold.amount;
      const refused = paymentRefusal(s, wallets, { payer: hold.payer, payee: hold.payee, affordable });
      if (refused) return verdict(refused);
      const expected = ok({
        id: command.holdId,
        amount: money(hold.amount),
        status: 'CAPTURED',
        captured_amount: money(captured),
      });
      return verdict(expected, () => {
        const id = String(data?.transfer_id);
        hold.status = 'CAPTURED';
        s.balances[hold.payer] -= captured;
        s.balances[hold.payee] += captured;
        s.transfers.set(id, { payer: hold.payer, payee: hold.payee, amount: captured, reversed: false });
        return { entry: { id, users: [hold.payer, hold.payee] } };
      });
    }
    case 'void': {
      const hold = s.holds.get(command.holdId)!;
      if (hold.status !== 'PENDING') return verdict(RESOLVED[hold.status]);
      return verdict(ok({ id: command.holdId, status: 'VOIDED', captured_amount: null, transfer_id: null }), () => {
        hold.status = 'VOIDED';
        return {};
      });
    }
    case 'reverse': {
      const original = s.transfers.get(command.transferId)!;
      if (original.reversed) return verdict(ALREADY_REVERSED);
      // The money goes back: the original payee pays, out of its available balance.
      const [payer, payee, amount] = [original.payee, original.payer, original.amount];
      // An operator's correction: a frozen wallet does not refuse it (a claw-back); the refusal for funds
      // names the paying wallet and what it has.
      const available = availableOf(s, payer);
      if (amount > available) {
        return verdict(
          failure(
            400,
            'BAD_REQUEST',
            'INSUFFICIENT_FUNDS',
            `Insufficient funds: the payee's wallet ${wallets[payer]} has ${money(available)} available; the reversal needs ${money(amount)}.`,
          ),
        );
      }
      const leg = (user: number, signed: bigint) => ({
        wallet_id: wallets[user],
        type: 'REVERSAL',
        amount: money(signed),
        balance_after: money(s.balances[user] + signed),
        reverses: command.transferId,
        reversed_amount: null,
      });
      const expected = ok({
        type: 'REVERSAL',
        reversed_transfer_id: command.transferId,
        amount: money(amount),
        reversed_amount: money(amount),
        remaining: '0.00',
        operations: [leg(payer, -amount), leg(payee, amount)],
      });
      return verdict(expected, () => {
        original.reversed = true;
        s.balances[payer] -= amount;
        s.balances[payee] += amount;
        return { entry: { id: String(data?.id), users: [payer, payee] } };
      });
    }
  }
}

/** One command of a burst, as the service answered it (the answer of the duplicate that ran). */
interface Answered {
  command: Command;
  answer: Outcome;
}

/**
 * A serial order of `answered` that explains every answer, the order of the
 * new operations in each wallet's ledger (`ledger[user]`: the burst's entries
 * touching it, by sequence) and the balances read afterwards; with the state
 * it leads to. Null when there is none.
 */
function serialOrder(
  start: State,
  answered: Answered[],
  ledger: string[][],
  after: { balance: string; available: string }[],
  wallets: string[],
): { order: number[]; state: State } | null {
  type Found = { order: number[]; state: State } | null;
  const search = (s: State, left: number[], positions: number[], order: number[]): Found => {
    if (left.length === 0) {
      const complete = positions.every((position, user) => position === ledger[user].length);
      const balancesAgree = after.every(
        (funds, user) => funds.balance === money(s.balances[user]) && funds.available === money(availableOf(s, user)),
      );
      return complete && balancesAgree ? { order, state: s } : null;
    }
    for (const index of left) {
      const next = cloneState(s);
      const effect = step(next, answered[index].command, answered[index].answer, wallets);
      if (!effect) continue;
      const nextPositions = [...positions];
      // The entry must be the next new operation of every user wallet it touches.
      const inLedgerOrder =
        !effect.entry || effect.entry.users.every((user) => ledger[user][nextPositions[user]++] === effect.entry!.id);
      if (!inLedgerOrder) continue;
      const found = search(
        next,
        left.filter((i) => i !== index),
        nextPositions,
        [...order, index],
      );
      if (found) return found;
    }
    return null;
  };
  return search(
    start,
    answered.map((_, i) => i),
    ledger.map(() => 0),
    [],
  );
}

// ---------------------------------------------------------------------------------------------
// Generated bursts: commands are specified relative to the state at the burst's start.

type AmountSpec = { kind: 'share'; permille: number } | { kind: 'all' } | { kind: 'over'; extra: number };

function amountFor(spec: AmountSpec, available: bigint): bigint {
  if (spec.kind === 'share') {
    const share = (available * BigInt(spec.permille)) / 1000n;
    return share > 0n ? share : 1n;
  }
  if (spec.kind === 'all') return available > 0n ? available : 1n;
  return available + BigInt(spec.extra);
}

type Spec =
  | { kind: 'deposit'; user: number; cents: bigint }
  | { kind: 'transfer' | 'hold'; user: number; offset: number; amount: AmountSpec }
  | { kind: 'nowhere'; user: number; amount: AmountSpec }
  | { kind: 'capture'; pick: number; how: 'all' | 'over' | number }
  | { kind: 'void' | 'reverse'; pick: number };

interface SendSpec {
  spec: Spec;
  keyed: boolean;
  /** Further sends of it with the same key. */
  copies: number;
  /** One of the copies carries another body (amount + 0.01), where the command has an amount. */
  otherBody: boolean;
}

interface BurstSpec {
  /** The admin freezes (or unfreezes) this user before the burst. */
  toggle: number | null;
  /** A key of an earlier burst, sent again inside this one. */
  resend: number | null;
  sends: SendSpec[];
  shuffle: number;
}

const userIndex = fc.integer({ min: 0, max: 3 });
const offset = fc.integer({ min: 0, max: 2 });
const pick = fc.nat({ max: 20 });
const amountSpec: fc.Arbitrary<AmountSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 700 }).map((permille) => ({ kind: 'share', permille }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'all' } as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 50_000 }).map((extra) => ({ kind: 'over', extra }) as const) },
);
const specArb: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('deposit' as const), user: userIndex, cents: fc.bigInt(1n, 300_000n) }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('transfer' as const), user: userIndex, offset, amount: amountSpec }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nowhere' as const), user: userIndex, amount: amountSpec }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('hold' as const), user: userIndex, offset, amount: amountSpec }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('capture' as const),
      pick,
      how: fc.oneof(fc.constant('all' as const), fc.constant('over' as const), fc.integer({ min: 1, max: 999 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick }) },
);
const sendSpec: fc.Arbitrary<SendSpec> = fc.record({
  spec: specArb,
  keyed: fc.boolean(),
  copies: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  otherBody: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});
const burstSpec: fc.Arbitrary<BurstSpec> = fc.record({
  // A freeze or unfreeze before one burst in five; an earlier key sent again in one in two.
  toggle: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: userIndex }),
  resend: fc.option(pick, { nil: null, freq: 2 }),
  sends: fc.array(sendSpec, { minLength: 3, maxLength: MAX_COMMANDS, size: 'max' }),
  shuffle: fc.nat(),
});

const other = (users: number, user: number, offset: number) => (user + 1 + (offset % (users - 1))) % users;

/** The command a spec means in state `s`, or null when it has nothing to act on (no pending hold, ...). */
function resolve(spec: Spec, s: State): Command | null {
  const users = s.balances.length;
  switch (spec.kind) {
    case 'deposit':
      return { kind: 'deposit', to: spec.user % users, amount: spec.cents };
    case 'transfer':
    case 'hold': {
      const from = spec.user % users;
      const amount = amountFor(spec.amount, availableOf(s, from));
      return { kind: spec.kind, from, to: other(users, from, spec.offset), amount };
    }
    case 'nowhere': {
      const from = spec.user % users;
      return { kind: 'nowhere', from, amount: amountFor(spec.amount, availableOf(s, from)) };
    }
    case 'capture':
    case 'void': {
      const pending = [...s.holds].filter(([, hold]) => hold.status === 'PENDING');
      if (pending.length === 0) return null;
      const [holdId, hold] = pending[spec.pick % pending.length];
      if (spec.kind !== 'capture') return { kind: 'void', holdId, payer: hold.payer };
      const { how } = spec;
      const amount =
        how === 'all' ? null : how === 'over' ? hold.amount + 1n : (hold.amount * BigInt(how)) / 1000n || 1n;
      return { kind: 'capture', holdId, payer: hold.payer, amount };
    }
    case 'reverse': {
      const open = [...s.transfers].filter(([, t]) => !t.reversed);
      if (open.length === 0) return null;
      return { kind: 'reverse', transferId: open[spec.pick % open.length][0] };
    }
  }
}

/** The same command with another body (amount + 0.01), for the commands that have an amount. */
function withOtherBody(command: Command): Command | null {
  if (
    command.kind === 'deposit' ||
    command.kind === 'transfer' ||
    command.kind === 'nowhere' ||
    command.kind === 'hold'
  ) {
    return { ...command, amount: command.amount + 1n };
  }
  return null;
}

interface Real {
  admin: RegisteredUser;
  users: RegisteredUser[];
  wallets: string[];
}

/** Who sends a command, where, with what body. */
function requestOf(command: Command, real: Real): { agent: TestAgent; path: string; body: object } {
  const { users, wallets } = real;
  switch (command.kind) {
    case 'deposit':
      return { agent: users[command.to].agent, path: '/v1/wallets/deposit', body: { amount: money(command.amount) } };
    case 'transfer':
    case 'nowhere':
      return {
        agent: users[command.from].agent,
        path: '/v1/wallets/transfer',
        body: {
          destination: command.kind === 'transfer' ? wallets[command.to] : NOWHERE,
          amount: money(command.amount),
        },
      };
    case 'hold':
      return {
        agent: users[command.from].agent,
        path: '/v1/wallets/holds',
        body: { destination: wallets[command.to], amount: money(command.amount), expires_in_seconds: HOLD_SECONDS },
      };
    case 'capture':
      return {
        agent: users[command.payer].agent,
        path: `/v1/holds/${command.holdId}/capture`,
        body: command.amount === null ? {} : { amount: money(command.amount) },
      };
    case 'void':
      return { agent: users[command.payer].agent, path: `/v1/holds/${command.holdId}/void`, body: {} };
    case 'reverse':
      return { agent: real.admin.agent, path: `/v1/admin/transfers/${command.transferId}/reversal`, body: {} };
  }
}

function send(command: Command, real: Real, key?: string): request.Test {
  const { agent, path, body } = requestOf(command, real);
  const post = agent.post(path);
  return (key === undefined ? post : post.set(KEY, key)).send(body);
}

/** A keyed request answered 409 "still in progress" is sent again until the key's final answer (bounded polling). */
async function settle(response: request.Response, again: () => request.Test): Promise<request.Response> {
  let current = response;
  for (
    let attempt = 0;
    attempt < 100 && matches(KEY_IN_PROGRESS, { status: current.status, body: current.body });
    attempt++
  ) {
    stats.inProgress++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    current = await again();
  }
  return current;
}

/** JSON with money in cents shown as money, for messages and to compare bodies. */
const show = (value: unknown) =>
  JSON.stringify(value, (_, item: unknown) => (typeof item === 'bigint' ? money(item) : item));

// ---------------------------------------------------------------------------------------------

const stats = {
  runs: 0,
  bursts: 0,
  commands: 0,
  posted: 0,
  refusedForFunds: 0,
  refusedFrozen: 0,
  destinationMissing: 0,
  overCaptures: 0,
  resolvedAgain: 0,
  reversedAgain: 0,
  /** Keys sent more than once in one burst. */
  duplicateKeys: 0,
  /** Duplicates with another body, answered 422. */
  keysReused: 0,
  replays: 0,
  /** Keys of earlier bursts sent again. */
  resends: 0,
  freezeToggles: 0,
  /** Bursts in which the first order tried (the order the commands were listed in) did not explain the answers. */
  reordered: 0,
  /** 409 "still in progress" answers, sent again (allowed; not required). */
  inProgress: 0,
  /** Keys whose command ran more than once (a conflict, or a refusal's gap; allowed, see runBurst). */
  ranTwice: 0,
};

function countRefusal(answer: Outcome): void {
  const reason = (answer.body as { status?: { errors?: { reason?: string }[] } }).status?.errors?.[0]?.reason;
  if (answer.status === 200) stats.posted++;
  else if (reason === 'INSUFFICIENT_FUNDS') stats.refusedForFunds++;
  else if (reason === 'WALLET_FROZEN') stats.refusedFrozen++;
  else if (reason === 'DESTINATION_WALLET_NOT_FOUND') stats.destinationMissing++;
  else if (reason === 'CAPTURE_EXCEEDS_HOLD') stats.overCaptures++;
  else if (reason === 'HOLD_ALREADY_RESOLVED') stats.resolvedAgain++;
  else if (reason === 'ALREADY_REVERSED') stats.reversedAgain++;
}

describe('the ledger against a model of the contract, in concurrent bursts (fast-check)', () => {
  const ctx = useTestContext({ listen: true });
  let admin: RegisteredUser;

  beforeAll(async () => {
    admin = await ctx.adminUser();
  });

  /** Each run wallet's operations with a sequence above `after[user]`, in sequence order: transfer ids. */
  async function newEntries(wallets: string[], after: number[]): Promise<string[][]> {
    const { rows } = await ctx.db.query<{ wallet_id: string; transfer_id: string; sequence: number }>(
      `select wallet_id, transfer_id, sequence::int from operations
        where wallet_id = any($1::uuid[]) order by wallet_id, sequence`,
      [wallets],
    );
    return wallets.map((wallet, user) =>
      rows.filter((row) => row.wallet_id === wallet && row.sequence > after[user]).map((row) => row.transfer_id),
    );
  }

  async function runBurst(
    burst: BurstSpec,
    s: State,
    real: Real,
    operations: number[],
    recorded: { command: Command; key: string; status: number; text: string }[],
  ): Promise<State> {
    stats.bursts++;
    if (burst.toggle !== null) {
      const user = burst.toggle % real.users.length;
      const action = s.frozen[user] ? 'unfreeze' : 'freeze';
      await real.admin.agent.post(`/v1/admin/wallets/${real.wallets[user]}/${action}`).send({}).expect(200);
      s.frozen[user] = !s.frozen[user];
      stats.freezeToggles++;
    }

    // The burst's sends: each command with its duplicates, and perhaps an earlier key again.
    type Send = { group: number; command: Command; key?: string };
    const groups: Command[] = [];
    const sends: Send[] = [];
    for (const spec of burst.sends) {
      const command = resolve(spec.spec, s);
      if (!command) continue;
      const group = groups.push(command) - 1;
      const key = spec.keyed || spec.copies > 0 ? `burst-${randomUUID()}` : undefined;
      sends.push({ group, command, key });
      for (let copy = 0; copy < spec.copies; copy++) {
        const variant = copy === 0 && spec.otherBody ? withOtherBody(command) : null;
        sends.push({ group, command: variant ?? command, key });
      }
    }
    const resend = burst.resend !== null && recorded.length > 0 ? recorded[burst.resend % recorded.length] : null;
    const { next } = seededRandom(burst.shuffle);
    const order = sends.map((_, i) => i).sort(() => next() - 0.5);
    const shuffled = order.map((i) => sends[i]);

    const [responses, resent] = await Promise.all([
      Promise.all(shuffled.map((x) => send(x.command, real, x.key))),
      resend ? send(resend.command, real, resend.key) : undefined,
    ]);
    const settled = await Promise.all(
      responses.map((response, i) =>
        shuffled[i].key === undefined
          ? response
          : settle(response, () => send(shuffled[i].command, real, shuffled[i].key)),
      ),
    );
    if (resend && resent) {
      stats.resends++;
      expect({ status: resent.status, replayed: resent.headers[REPLAYED], text: resent.text }).toEqual({
        status: resend.status,
        replayed: 'true',
        text: resend.text,
      });
    }

    // The duplicates of one key: the members that ran (no Idempotent-Replayed, not refused as a reuse) are
    // commands of the burst, each with its own answer. At most one of them has its answer recorded under
    // the key: the one that is not a 409 conflict (a conflict records nothing, so a duplicate arriving
    // after it runs on its own; so may one arriving between a refusal's rollback and the recording of that
    // refusal: today's IdempotencyService records a refusal in a second transaction). Every replay repeats
    // an answer the key's command gave, byte for byte; every 422 "key reused" carries another body.
    const reused = (r: request.Response) => matches(KEY_REUSED, { status: r.status, body: r.body });
    const answered: Answered[] = [];
    groups.forEach((_, group) => {
      const members = shuffled.flatMap((x, i) => (x.group === group ? [{ ...x, response: settled[i] }] : []));
      const replays = members.filter((m) => m.response.headers[REPLAYED] !== undefined);
      const refused = members.filter((m) => m.response.headers[REPLAYED] === undefined && reused(m.response));
      const ran = members.filter((m) => m.response.headers[REPLAYED] === undefined && !reused(m.response));
      const recorders = ran.filter((m) => m.response.status !== 409);
      const label = show(members[0].command);
      expect({ label, ran: ran.length > 0, recorded: recorders.length <= 1 }).toEqual({
        label,
        ran: true,
        recorded: true,
      });
      const [recorder] = recorders;
      if (members.length > 1) stats.duplicateKeys++;
      if (ran.length > 1) stats.ranTwice++;
      for (const replay of replays) {
        stats.replays++;
        const original = ran.filter((m) => show(m.command) === show(replay.command));
        expect({
          label,
          replayed: replay.response.headers[REPLAYED],
          repeats: original.map((m) => m.response.text),
        }).toEqual({ label, replayed: 'true', repeats: expect.arrayContaining([replay.response.text]) });
      }
      for (const member of refused) {
        stats.keysReused++;
        expect({
          label,
          recorder: recorder !== undefined,
          sameBody: show(member.command) === show(recorder?.command),
        }).toEqual({ label, recorder: true, sameBody: false });
      }
      if (recorder?.key !== undefined) {
        recorded.push({
          command: recorder.command,
          key: recorder.key,
          status: recorder.response.status,
          text: recorder.response.text,
        });
      }
      for (const m of ran)
        answered.push({ command: m.command, answer: { status: m.response.status, body: m.response.body } });
    });

    const after = await Promise.all(
      real.users.map(async (user) => {
        const { balance, available } = (await user.agent.get('/v1/wallets').expect(200)).body.data;
        return { balance: balance as string, available: available as string };
      }),
    );
    const ledger = await newEntries(real.wallets, operations);
    const found = serialOrder(s, answered, ledger, after, real.wallets);
    if (!found) {
      throw new Error(
        `no serial order explains this burst:\n` +
          answered
            .map(({ command, answer }) => `  ${show(command)} -> ${answer.status} ${JSON.stringify(answer.body)}`)
            .join('\n') +
          `\n  ledger (new entries per user): ${JSON.stringify(ledger)}\n  after: ${JSON.stringify(after)}` +
          `\n  model before: ${show({ balances: s.balances, frozen: s.frozen })}`,
      );
    }
    if (found.order.some((index, position) => index !== position)) stats.reordered++;
    stats.commands += answered.length;
    answered.forEach(({ answer }) => countRefusal(answer));
    ledger.forEach((entries, user) => (operations[user] += entries.length));
    return found.state;
  }

  it(
    `answers every burst of concurrent commands as some serial order of it would, with the ledger in that order, ` +
      `over ${RUNS} random runs of up to ${MAX_BURSTS} bursts of up to ${MAX_COMMANDS} commands (seed ${SEED})`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 500_000n })), { minLength: 3, maxLength: 4 }),
          fc.array(burstSpec, { minLength: 2, maxLength: MAX_BURSTS, size: 'max' }),
          async (openings, bursts) => {
            stats.runs++;
            const users = await Promise.all(openings.map(() => ctx.registerUser()));
            const real: Real = { admin, users, wallets: users.map((user) => user.walletId) };
            await Promise.all(
              openings.map((cents, i) =>
                cents > 0n
                  ? users[i].agent
                      .post('/v1/wallets/deposit')
                      .send({ amount: money(cents) })
                      .expect(200)
                  : undefined,
              ),
            );
            let state: State = {
              balances: [...openings],
              frozen: openings.map(() => false),
              holds: new Map(),
              transfers: new Map(),
            };
            const operations = openings.map((cents) => (cents > 0n ? 1 : 0));
            const recorded: { command: Command; key: string; status: number; text: string }[] = [];
            for (const burst of bursts) state = await runBurst(burst, state, real, operations, recorded);

            // The stored holds are the model's.
            const { rows } = await ctx.db.query<{ id: string; status: string; amount: string }>(
              `select id, status, amount::text from holds where source_wallet_id = any($1::uuid[])`,
              [real.wallets],
            );
            expect(new Map(rows.map((row) => [row.id, `${row.status} ${row.amount}`]))).toEqual(
              new Map([...state.holds].map(([id, hold]) => [id, `${hold.status} ${money(hold.amount)}`])),
            );
            await ctx.expectLedgerInvariants();
            const audit = await admin.agent.get('/v1/admin/ledger/audit').expect(200);
            expect(audit.body.data).toMatchObject({ balanced: true, total: '0.00', chain_ok: true, mismatches: [] });
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );

      console.log(`ledger model, bursts: seed ${SEED}: ${JSON.stringify(stats)}`);
      expect(stats.runs).toBe(RUNS);
      if (SEED === DEFAULT_SEED && RUNS >= 20 && MAX_BURSTS >= 5) {
        // The fixed seed walks every path this model knows, order-dependent ones included.
        for (const path of Object.keys(stats) as (keyof typeof stats)[]) {
          if (path === 'inProgress' || path === 'ranTwice') continue;
          expect({ path, covered: stats[path] > 0 }).toEqual({ path, covered: true });
        }
      }
    },
    RUNS * 15_000 + 30_000,
  );
});
