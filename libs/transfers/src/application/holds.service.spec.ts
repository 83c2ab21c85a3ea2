import { EntryType, type Hold, HoldStatus, InsufficientFundsError, WalletFrozenError } from '@app/ledger';
import { Money } from '@app/money';
import { type LockedWallet, WalletNotFoundError } from '@app/wallets';
import {
  CaptureExceedsHoldError,
  DestinationWalletNotFoundError,
  HoldExpiredError,
  HoldForbiddenError,
  HoldNotFoundError,
  HoldResolvedError,
  SameWalletTransferError,
} from '../domain/transfers.errors';
import type { LockedBatch } from './locked-batch';
import { deciders, lockedBatch, lockedHold, lockedWallet, NOW, refusal, stateOf } from './locked-batch.builder';

const { holds } = deciders();
const money = (text: string) => Money.of(text);

/** A payer with `balance` and one pending hold of `held` to a payee, in a batch of both. */
function withHold(balance: string, held: string, hold: Partial<Pick<Hold, 'status' | 'expiresAt'>> = {}) {
  const payer = lockedWallet({ balance, lastSequence: 3 });
  const payee = lockedWallet({ lastSequence: 0 });
  const theHold = lockedHold({ from: payer, to: payee, amount: held, ...hold });
  const batch = lockedBatch({ wallets: [payer, payee], holds: [theHold] });
  const state = () => stateOf(batch, { wallets: [payer, payee], holds: [theHold] });
  return { payer, payee, hold: theHold, batch, state };
}

const capture = (batch: LockedBatch, payer: LockedWallet, hold: Hold, amount?: string) =>
  holds.capture(batch, { type: 'CAPTURE_HOLD', userId: payer.userId!, holdId: hold.id, amount: amount ? money(amount) : undefined });
const voidIt = (batch: LockedBatch, payer: LockedWallet, hold: Hold) =>
  holds.void(batch, { type: 'VOID_HOLD', userId: payer.userId!, holdId: hold.id });

describe('HoldsService.place, decided against a locked batch', () => {
  it('reserves the amount until now + expiresInSeconds, counts a pending hold and posts nothing', () => {
    const alice = lockedWallet({ balance: '100.00' });
    const bob = lockedWallet();
    const batch = lockedBatch({ wallets: [alice, bob] });

    const hold = holds.place(batch, {
      type: 'PLACE_HOLD',
      userId: alice.userId!,
      destinationId: bob.id,
      amount: money('20.00'),
      expiresInSeconds: 90,
    });

    expect(hold).toMatchObject({
      sourceWalletId: alice.id,
      destinationWalletId: bob.id,
      status: HoldStatus.PENDING,
      expiresAt: new Date(NOW.getTime() + 90_000),
      createdAt: NOW,
      capturedAmount: null,
    });
    expect(hold.amount.toFixed()).toBe('20.00');
    expect(batch.reservedOn(alice).toFixed()).toBe('20.00');
    expect(alice.pendingHolds).toBe(1);
    expect(alice.balance!.toFixed()).toBe('100.00');
    expect(batch.postings.entries).toEqual([]);
    expect([...batch.postings.accounts]).toEqual([alice]);
  });

  it("counts an earlier hold of the same batch against the available balance", () => {
    const alice = lockedWallet({ balance: '100.00' });
    const bob = lockedWallet();
    const batch = lockedBatch({ wallets: [alice, bob] });
    const place = (amount: string) => () =>
      holds.place(batch, { type: 'PLACE_HOLD', userId: alice.userId!, destinationId: bob.id, amount: money(amount), expiresInSeconds: 60 });

    place('60.00')();
    expect(refusal(place('40.01'), () => stateOf(batch, { wallets: [alice, bob] }))).toBeInstanceOf(InsufficientFundsError);
    place('40.00')();
    expect(batch.reservedOn(alice).toFixed()).toBe('100.00');
    expect(alice.pendingHolds).toBe(2);
  });

  it('refuses in the same order as a transfer: own wallet, no wallet, frozen, insufficient, destination missing, destination frozen', () => {
    const frozenBroke = lockedWallet({ balance: '1.00', frozen: true });
    const broke = lockedWallet({ balance: '1.00' });
    const rich = lockedWallet({ balance: '50.00' });
    const frozenDestination = lockedWallet({ frozen: true });
    const wallets = [frozenBroke, broke, rich, frozenDestination];
    const batch = lockedBatch({ wallets });
    const place = (userId: string, destinationId: string) => () =>
      holds.place(batch, { type: 'PLACE_HOLD', userId, destinationId, amount: money('10.00'), expiresInSeconds: 60 });
    const state = () => stateOf(batch, { wallets });

    expect(refusal(place(frozenBroke.userId!, frozenBroke.id), state)).toBeInstanceOf(SameWalletTransferError);
    expect(refusal(place('user-without-wallet', 'no-such-wallet'), state)).toBeInstanceOf(WalletNotFoundError);
    expect(refusal(place(frozenBroke.userId!, 'no-such-wallet'), state)).toBeInstanceOf(WalletFrozenError);
    expect(refusal(place(broke.userId!, 'no-such-wallet'), state)).toBeInstanceOf(InsufficientFundsError);
    expect(refusal(place(rich.userId!, 'no-such-wallet'), state)).toBeInstanceOf(DestinationWalletNotFoundError);
    expect(refusal(place(rich.userId!, frozenDestination.id), state)).toMatchObject({
      code: 'WALLET_FROZEN',
      walletId: frozenDestination.id,
      target: 'destination',
    });
  });
});

describe('HoldsService.capture, decided against a locked batch', () => {
  it("posts a TRANSFER of the whole hold by default, paid by the hold's own reservation, and resolves it", () => {
    const { payer, payee, hold, batch } = withHold('20.00', '20.00');

    const captured = capture(batch, payer, hold);

    const [entry] = batch.postings.entries;
    expect(entry.type).toBe(EntryType.TRANSFER);
    expect(
      entry.operations.map((operation) => [operation.walletId, operation.amount.toFixed(), operation.balanceAfter?.toFixed(), operation.sequence]),
    ).toEqual([
      [payer.id, '-20.00', '0.00', 4],
      [payee.id, '20.00', '20.00', 1],
    ]);
    expect(captured).toBe(hold);
    expect(hold).toMatchObject({ status: HoldStatus.CAPTURED, transferId: entry.id, resolvedAt: NOW });
    expect(hold.capturedAmount!.toFixed()).toBe('20.00');
    expect(batch.reservedOn(payer).toFixed()).toBe('0.00');
    expect(payer.pendingHolds).toBe(0);
  });

  it('captures part of the hold and releases the rest to the available balance', () => {
    const { payer, hold, batch } = withHold('50.00', '20.00');

    capture(batch, payer, hold, '15.00');

    expect(hold.capturedAmount!.toFixed()).toBe('15.00');
    expect(payer.balance!.toFixed()).toBe('35.00');
    expect(batch.reservedOn(payer).toFixed()).toBe('0.00');
  });

  it('captures exactly the held amount, and refuses a cent more (CAPTURE_EXCEEDS_HOLD), changing nothing', () => {
    const { payer, hold, batch, state } = withHold('50.00', '20.00');

    expect(refusal(() => capture(batch, payer, hold, '20.01'), state)).toMatchObject({
      constructor: CaptureExceedsHoldError,
      code: 'CAPTURE_EXCEEDS_HOLD',
      target: 'amount',
    });
    capture(batch, payer, hold, '20.00');
    expect(hold.capturedAmount!.toFixed()).toBe('20.00');
  });

  it('refuses an unknown hold (404) and a hold of another wallet (403), changing nothing', () => {
    const { hold, batch, state, payee } = withHold('50.00', '20.00');

    expect(
      refusal(() => holds.capture(batch, { type: 'CAPTURE_HOLD', userId: 'anyone', holdId: 'no-such-hold' }), state),
    ).toMatchObject({ constructor: HoldNotFoundError, code: 'HOLD_NOT_FOUND' });
    expect(refusal(() => capture(batch, payee, hold), state)).toMatchObject({
      constructor: HoldForbiddenError,
      code: 'HOLD_FORBIDDEN',
    });
  });

  it.each([
    ['captured', { status: HoldStatus.CAPTURED }, HoldResolvedError, 'HOLD_ALREADY_RESOLVED'],
    ['voided', { status: HoldStatus.VOIDED }, HoldResolvedError, 'HOLD_ALREADY_RESOLVED'],
    ['marked expired', { status: HoldStatus.EXPIRED }, HoldExpiredError, 'HOLD_EXPIRED'],
    ["pending, expiring at the batch's now", { expiresAt: NOW }, HoldExpiredError, 'HOLD_EXPIRED'],
  ] as const)('refuses a hold %s (409), changing nothing', (_state, hold, error, code) => {
    const { payer, hold: theHold, batch, state } = withHold('50.00', '20.00', hold);
    expect(refusal(() => capture(batch, payer, theHold), state)).toMatchObject({ constructor: error, code });
    expect(refusal(() => voidIt(batch, payer, theHold), state)).toMatchObject({ constructor: error, code });
  });

  it("captures a pending hold one millisecond before its expiry at the batch's now", () => {
    const { payer, hold, batch } = withHold('50.00', '20.00', { expiresAt: new Date(NOW.getTime() + 1) });
    capture(batch, payer, hold);
    expect(hold.status).toBe(HoldStatus.CAPTURED);
  });

  it('resolves a hold once only: a second capture or a void later in the same batch is refused', () => {
    const { payer, hold, batch, state } = withHold('50.00', '20.00');
    capture(batch, payer, hold, '5.00');

    expect(refusal(() => capture(batch, payer, hold), state)).toBeInstanceOf(HoldResolvedError);
    expect(refusal(() => voidIt(batch, payer, hold), state)).toBeInstanceOf(HoldResolvedError);
    expect(batch.postings.entries).toHaveLength(1);
    expect(payer.pendingHolds).toBe(0);
  });

  it('refuses a capture from a frozen wallet or to a frozen one (403), changing nothing', () => {
    const frozenPayer = withHold('50.00', '20.00');
    frozenPayer.payer.frozen = true;
    expect(refusal(() => capture(frozenPayer.batch, frozenPayer.payer, frozenPayer.hold), frozenPayer.state)).toMatchObject({
      code: 'WALLET_FROZEN',
      walletId: frozenPayer.payer.id,
    });

    const frozenPayee = withHold('50.00', '20.00');
    frozenPayee.payee.frozen = true;
    expect(refusal(() => capture(frozenPayee.batch, frozenPayee.payer, frozenPayee.hold), frozenPayee.state)).toMatchObject({
      code: 'WALLET_FROZEN',
      walletId: frozenPayee.payee.id,
    });
  });

  it("pays out of the hold's reservation only: other holds still reserve their money", () => {
    const payer = lockedWallet({ balance: '30.00' });
    const payee = lockedWallet();
    const hold = lockedHold({ from: payer, to: payee, amount: '20.00' });
    const other = lockedHold({ from: payer, to: payee, amount: '10.00' });
    const batch = lockedBatch({ wallets: [payer, payee], holds: [hold, other] });
    expect(batch.reservedOn(payer).toFixed()).toBe('30.00');

    capture(batch, payer, hold);

    expect(batch.reservedOn(payer).toFixed()).toBe('10.00');
    expect(payer.balance!.toFixed()).toBe('10.00');
    expect(payer.pendingHolds).toBe(1);
  });
});

describe('HoldsService.void and voidByOperator, decided against a locked batch', () => {
  it('releases the reservation and posts nothing', () => {
    const { payer, hold, batch } = withHold('50.00', '20.00');

    expect(voidIt(batch, payer, hold)).toBe(hold);

    expect(hold).toMatchObject({ status: HoldStatus.VOIDED, resolvedAt: NOW, capturedAmount: null, transferId: null });
    expect(batch.reservedOn(payer).toFixed()).toBe('0.00');
    expect(payer.pendingHolds).toBe(0);
    expect(batch.postings.entries).toEqual([]);
    expect([...batch.postings.accounts]).toEqual([payer]);
  });

  it("lets the owner of a frozen wallet void its hold (a void moves no money)", () => {
    const { payer, hold, batch } = withHold('50.00', '20.00');
    payer.frozen = true;
    voidIt(batch, payer, hold);
    expect(hold.status).toBe(HoldStatus.VOIDED);
  });

  it('refuses a void by anyone but the payer (403)', () => {
    const { payee, hold, batch, state } = withHold('50.00', '20.00');
    expect(refusal(() => voidIt(batch, payee, hold), state)).toBeInstanceOf(HoldForbiddenError);
  });

  it("lets an operator void any wallet's pending hold, a frozen one's too", () => {
    const { payer, hold, batch } = withHold('50.00', '20.00');
    payer.frozen = true;

    holds.voidByOperator(batch, { type: 'OPERATOR_VOID_HOLD', holdId: hold.id });

    expect(hold).toMatchObject({ status: HoldStatus.VOIDED, resolvedAt: NOW });
    expect(batch.reservedOn(payer).toFixed()).toBe('0.00');
    expect(payer.pendingHolds).toBe(0);
  });

  it("refuses an operator's void of an unknown (404), resolved or expired hold (409)", () => {
    const unknown = withHold('50.00', '20.00');
    expect(
      refusal(() => holds.voidByOperator(unknown.batch, { type: 'OPERATOR_VOID_HOLD', holdId: 'no-such-hold' }), unknown.state),
    ).toBeInstanceOf(HoldNotFoundError);
    const captured = withHold('50.00', '20.00', { status: HoldStatus.CAPTURED });
    expect(
      refusal(() => holds.voidByOperator(captured.batch, { type: 'OPERATOR_VOID_HOLD', holdId: captured.hold.id }), captured.state),
    ).toBeInstanceOf(HoldResolvedError);
    const expired = withHold('50.00', '20.00', { expiresAt: NOW });
    expect(
      refusal(() => holds.voidByOperator(expired.batch, { type: 'OPERATOR_VOID_HOLD', holdId: expired.hold.id }), expired.state),
    ).toBeInstanceOf(HoldExpiredError);
  });
});
