import { ALL_FIELDS } from '@app/errors';
import {
  BalanceLimitExceededError,
  EntryType,
  FUNDING_WALLET_ID,
  InsufficientFundsError,
  WalletFrozenError,
  type EntrySummary,
} from '@app/ledger';
import { Money } from '@app/money';
import { type LockedWallet, WalletNotFoundError } from '@app/wallets';
import {
  AlreadyReversedError,
  DestinationWalletNotFoundError,
  NotReversibleError,
  ReversalExceedsRemainingError,
  SameWalletTransferError,
  TransferNotFoundError,
} from '../domain/transfers.errors';
import { deciders, entrySummary, lockedBatch, lockedHold, lockedWallet, NOW, refusal, stateOf } from './locked-batch.builder';
import type { LockedBatch } from './locked-batch';

const { transfers } = deciders();
const money = (text: string) => Money.of(text);
const legsOf = (batch: LockedBatch) =>
  batch.postings.entries.map((entry) =>
    entry.operations.map((operation) => ({
      walletId: operation.walletId,
      amount: operation.amount.toFixed(),
      balanceAfter: operation.balanceAfter?.toFixed() ?? null,
      sequence: operation.sequence,
    })),
  );

describe('TransfersService.transfer, decided against a locked batch', () => {
  it('debits the payer and credits the destination in one entry of two legs, each with its balance after and next sequence', () => {
    const alice = lockedWallet({ balance: '100.00', lastSequence: 4, chainHead: 'a'.repeat(64) });
    const bob = lockedWallet({ balance: '5.00', lastSequence: 1 });
    const batch = lockedBatch({ wallets: [alice, bob] });

    const debit = transfers.transfer(batch, {
      type: 'TRANSFER',
      userId: alice.userId!,
      destinationId: bob.id,
      amount: money('30.25'),
    });

    expect(legsOf(batch)).toEqual([
      [
        { walletId: alice.id, amount: '-30.25', balanceAfter: '69.75', sequence: 5 },
        { walletId: bob.id, amount: '30.25', balanceAfter: '35.25', sequence: 2 },
      ],
    ]);
    const [entry] = batch.postings.entries;
    expect(entry.type).toBe(EntryType.TRANSFER);
    expect(entry.at).toBe(NOW);
    expect(entry.operations.every((operation) => operation.transferId === entry.id && operation.timestamp === NOW)).toBe(true);
    expect(debit).toBe(entry.operations[0]);
    // The wallets moved on in memory: the batch writes them, and its next command builds on them.
    expect([alice.balance!.toFixed(), alice.lastSequence, alice.chainHead]).toEqual(['69.75', 5, debit.hash]);
    expect([bob.balance!.toFixed(), bob.lastSequence]).toEqual(['35.25', 2]);
    expect(debit.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(debit.hash).not.toBe(entry.operations[1].hash);
    expect([...batch.postings.accounts]).toEqual([alice, bob]);
  });

  it('lets a wallet pay out exactly its available balance, down to zero', () => {
    const alice = lockedWallet({ balance: '10.00' });
    const bob = lockedWallet();
    const batch = lockedBatch({ wallets: [alice, bob] });
    transfers.transfer(batch, { type: 'TRANSFER', userId: alice.userId!, destinationId: bob.id, amount: money('10.00') });
    expect(alice.balance!.toFixed()).toBe('0.00');
  });

  describe('refuses in the contract order, each refusal leaving the batch as it was', () => {
    // Every step breaks all the rules below it too: the refusal heard is the first rule broken.
    const steps: {
      rule: string;
      error: new (...args: never[]) => Error;
      code: string;
      setUp: () => { payer?: LockedWallet; destinationId: string; others: LockedWallet[] };
    }[] = [
      {
        rule: 'own wallet as destination (422)',
        error: SameWalletTransferError,
        code: 'SAME_WALLET_TRANSFER',
        setUp: () => {
          const payer = lockedWallet({ balance: '1.00', frozen: true });
          return { payer, destinationId: payer.id, others: [] };
        },
      },
      {
        rule: 'caller without a wallet (404)',
        error: WalletNotFoundError,
        code: 'WALLET_NOT_FOUND',
        setUp: () => ({ payer: undefined, destinationId: 'no-such-wallet', others: [] }),
      },
      {
        rule: 'frozen payer (403)',
        error: WalletFrozenError,
        code: 'WALLET_FROZEN',
        setUp: () => ({
          payer: lockedWallet({ balance: '1.00', frozen: true }),
          destinationId: 'no-such-wallet',
          others: [],
        }),
      },
      {
        rule: 'insufficient available funds (400)',
        error: InsufficientFundsError,
        code: 'INSUFFICIENT_FUNDS',
        setUp: () => ({ payer: lockedWallet({ balance: '1.00' }), destinationId: 'no-such-wallet', others: [] }),
      },
      {
        rule: 'destination missing (404)',
        error: DestinationWalletNotFoundError,
        code: 'DESTINATION_WALLET_NOT_FOUND',
        setUp: () => ({ payer: lockedWallet({ balance: '50.00' }), destinationId: 'no-such-wallet', others: [] }),
      },
      {
        rule: 'destination frozen (403)',
        error: WalletFrozenError,
        code: 'WALLET_FROZEN',
        setUp: () => {
          const destination = lockedWallet({ frozen: true });
          return { payer: lockedWallet({ balance: '50.00' }), destinationId: destination.id, others: [destination] };
        },
      },
    ];

    it.each(steps)('$rule', ({ error, code, setUp }) => {
      const { payer, destinationId, others } = setUp();
      const wallets = payer ? [payer, ...others] : others;
      const batch = lockedBatch({ wallets });
      const thrown = refusal(
        () =>
          transfers.transfer(batch, {
            type: 'TRANSFER',
            userId: payer?.userId ?? 'user-without-wallet',
            destinationId,
            amount: money('10.00'),
          }),
        () => stateOf(batch, { wallets }),
      );
      expect(thrown).toBeInstanceOf(error);
      expect(thrown).toMatchObject({ code });
    });

    it('names whose wallet is frozen: the caller its own, the destination by its field', () => {
      const mine = lockedWallet({ balance: '50.00', frozen: true });
      const theirs = lockedWallet({ frozen: true });
      const frozenPayer = transfers.transfer.bind(transfers, lockedBatch({ wallets: [mine, theirs] }), {
        type: 'TRANSFER',
        userId: mine.userId!,
        destinationId: theirs.id,
        amount: money('1.00'),
      });
      expect(frozenPayer).toThrow(expect.objectContaining({ walletId: mine.id, target: ALL_FIELDS }));
      mine.frozen = false;
      const frozenPayee = transfers.transfer.bind(transfers, lockedBatch({ wallets: [mine, theirs] }), {
        type: 'TRANSFER',
        userId: mine.userId!,
        destinationId: theirs.id,
        amount: money('1.00'),
      });
      expect(frozenPayee).toThrow(expect.objectContaining({ walletId: theirs.id, target: 'destination' }));
    });
  });

  it('refuses a credit beyond what a balance holds (400) without debiting the payer: every balance is computed first', () => {
    const alice = lockedWallet({ balance: '10.00', lastSequence: 1 });
    const full = lockedWallet({ balance: '999999999999999999.99' });
    const batch = lockedBatch({ wallets: [alice, full] });
    const thrown = refusal(
      () => transfers.transfer(batch, { type: 'TRANSFER', userId: alice.userId!, destinationId: full.id, amount: money('0.01') }),
      () => stateOf(batch, { wallets: [alice, full] }),
    );
    expect(thrown).toMatchObject({ constructor: BalanceLimitExceededError, code: 'BALANCE_LIMIT_EXCEEDED' });
  });

  it('counts what active holds reserve against the balance, and nothing of an expired one', () => {
    const alice = lockedWallet({ balance: '100.00' });
    const bob = lockedWallet();
    const pending = lockedHold({ from: alice, to: bob, amount: '70.00' });
    const expired = lockedHold({ from: alice, to: bob, amount: '25.00', expiresAt: NOW });
    const batch = lockedBatch({ wallets: [alice, bob], holds: [pending, expired] });
    expect(batch.reservedOn(alice).toFixed()).toBe('70.00');

    const transfer = (amount: string) =>
      transfers.transfer(batch, { type: 'TRANSFER', userId: alice.userId!, destinationId: bob.id, amount: money(amount) });
    expect(refusal(() => transfer('30.01'), () => stateOf(batch, { wallets: [alice, bob] }))).toBeInstanceOf(
      InsufficientFundsError,
    );
    transfer('30.00');
    expect(alice.balance!.toFixed()).toBe('70.00');
  });

  it("decides each command against what the batch's earlier commands left", () => {
    const alice = lockedWallet({ balance: '100.00', lastSequence: 7 });
    const bob = lockedWallet({ lastSequence: 0 });
    const batch = lockedBatch({ wallets: [alice, bob] });
    const transfer = (amount: string) =>
      transfers.transfer(batch, { type: 'TRANSFER', userId: alice.userId!, destinationId: bob.id, amount: money(amount) });

    const first = transfer('60.00');
    expect(refusal(() => transfer('60.00'), () => stateOf(batch, { wallets: [alice, bob] }))).toBeInstanceOf(
      InsufficientFundsError,
    );
    const second = transfer('40.00');

    expect(legsOf(batch)).toEqual([
      [
        { walletId: alice.id, amount: '-60.00', balanceAfter: '40.00', sequence: 8 },
        { walletId: bob.id, amount: '60.00', balanceAfter: '60.00', sequence: 1 },
      ],
      [
        { walletId: alice.id, amount: '-40.00', balanceAfter: '0.00', sequence: 9 },
        { walletId: bob.id, amount: '40.00', balanceAfter: '100.00', sequence: 2 },
      ],
    ]);
    // Each wallet's chain goes on from its previous leg in the batch.
    expect(alice.chainHead).toBe(second.hash);
    expect(second.hash).not.toBe(first.hash);
  });
});

describe('TransfersService.deposit, decided against a locked batch', () => {
  it('credits the wallet from the funding wallet, which keeps no balance or sequence and is never touched', () => {
    const alice = lockedWallet({ balance: '1.00', lastSequence: 2 });
    const batch = lockedBatch({ wallets: [alice] });

    const credit = transfers.deposit(batch, { type: 'DEPOSIT', userId: alice.userId!, amount: money('99.00') });

    expect(legsOf(batch)).toEqual([
      [
        { walletId: FUNDING_WALLET_ID, amount: '-99.00', balanceAfter: null, sequence: null },
        { walletId: alice.id, amount: '99.00', balanceAfter: '100.00', sequence: 3 },
      ],
    ]);
    expect(batch.postings.entries[0].type).toBe(EntryType.DEPOSIT);
    expect(credit).toBe(batch.postings.entries[0].operations[1]);
    expect([...batch.postings.accounts]).toEqual([alice]);
  });

  it('refuses a caller without a wallet (404), a frozen wallet (403) and a balance beyond the column (400), changing nothing', () => {
    const frozen = lockedWallet({ frozen: true });
    const full = lockedWallet({ balance: '999999999999999999.99' });
    const batch = lockedBatch({ wallets: [frozen, full] });
    const state = () => stateOf(batch, { wallets: [frozen, full] });
    const deposit = (userId: string) => () =>
      transfers.deposit(batch, { type: 'DEPOSIT', userId, amount: money('0.01') });

    expect(refusal(deposit('user-without-wallet'), state)).toBeInstanceOf(WalletNotFoundError);
    expect(refusal(deposit(frozen.userId!), state)).toMatchObject({ code: 'WALLET_FROZEN', walletId: frozen.id });
    expect(refusal(deposit(full.userId!), state)).toBeInstanceOf(BalanceLimitExceededError);
  });
});

describe('TransfersService.reverse, decided against a locked batch', () => {
  const reversal = (batch: LockedBatch, entry: EntrySummary, amount?: string) =>
    transfers.reverse(batch, { type: 'REVERSAL', entryId: entry.id, amount: amount ? money(amount) : undefined });

  function transferred(amount: string, options: { payeeBalance?: string; reversed?: { count: number; total: string } } = {}) {
    const payer = lockedWallet({ balance: '0.00', lastSequence: 1 });
    const payee = lockedWallet({ balance: options.payeeBalance ?? amount, lastSequence: 1 });
    const entry = entrySummary({ type: EntryType.TRANSFER, from: payer, to: payee, amount, reversed: options.reversed });
    return { payer, payee, entry, wallets: [payer, payee] };
  }

  it("moves a transfer's whole amount back by default: the payee's debit first, then the payer's credit", () => {
    const { payer, payee, entry, wallets } = transferred('30.00');
    const batch = lockedBatch({ wallets, entries: [entry] });

    const result = reversal(batch, entry);

    expect(legsOf(batch)).toEqual([
      [
        { walletId: payee.id, amount: '-30.00', balanceAfter: '0.00', sequence: 2 },
        { walletId: payer.id, amount: '30.00', balanceAfter: '30.00', sequence: 2 },
      ],
    ]);
    const [posted] = batch.postings.entries;
    expect(posted.type).toBe(EntryType.REVERSAL);
    expect(posted.reversal).toEqual({ reverses: entry.id, number: 1, total: money('30.00'), of: money('30.00') });
    expect(result).toMatchObject({ id: posted.id, reverses: entry.id, operations: posted.operations });
    expect([result.amount, result.reversedTotal, result.remaining].map((value) => value.toFixed())).toEqual([
      '30.00',
      '30.00',
      '0.00',
    ]);
    expect(posted.operations.every((operation) => operation.reverses === entry.id)).toBe(true);
  });

  it("reverses a deposit as a chargeback: the depositor's wallet pays the funding wallet", () => {
    const alice = lockedWallet({ balance: '80.00', lastSequence: 3 });
    const entry = entrySummary({ type: EntryType.DEPOSIT, from: FUNDING_WALLET_ID, to: alice, amount: '50.00' });
    const batch = lockedBatch({ wallets: [alice], entries: [entry] });

    reversal(batch, entry, '20.00');

    expect(legsOf(batch)).toEqual([
      [
        { walletId: alice.id, amount: '-20.00', balanceAfter: '60.00', sequence: 4 },
        { walletId: FUNDING_WALLET_ID, amount: '20.00', balanceAfter: null, sequence: null },
      ],
    ]);
  });

  it('refuses an unknown entry (404) and a reversal of a reversal (NOT_REVERSIBLE), changing nothing', () => {
    const { payer, payee, wallets } = transferred('30.00');
    const reversalEntry = entrySummary({ type: EntryType.REVERSAL, from: payee, to: payer, amount: '30.00' });
    const batch = lockedBatch({ wallets, entries: [reversalEntry] });
    const state = () => stateOf(batch, { wallets, entries: [reversalEntry] });

    expect(
      refusal(() => transfers.reverse(batch, { type: 'REVERSAL', entryId: 'no-such-entry' }), state),
    ).toBeInstanceOf(TransferNotFoundError);
    expect(refusal(() => reversal(batch, reversalEntry), state)).toMatchObject({
      constructor: NotReversibleError,
      code: 'NOT_REVERSIBLE',
    });
  });

  it('takes partial amounts in steps, each numbered and totalled, until nothing is left (ALREADY_REVERSED)', () => {
    const { entry, wallets, payee } = transferred('100.00');
    const batch = lockedBatch({ wallets, entries: [entry] });
    const state = () => stateOf(batch, { wallets, entries: [entry] });

    expect(reversal(batch, entry, '40.00').remaining.toFixed()).toBe('60.00');
    // An earlier command of the same batch counts: 60.00 is what is left, not 100.00.
    expect(refusal(() => reversal(batch, entry, '60.01'), state)).toMatchObject({
      constructor: ReversalExceedsRemainingError,
      code: 'REVERSAL_EXCEEDS_REMAINING',
      target: 'amount',
    });
    const last = reversal(batch, entry);
    expect([last.amount.toFixed(), last.reversedTotal.toFixed(), last.remaining.toFixed()]).toEqual([
      '60.00',
      '100.00',
      '0.00',
    ]);
    expect(batch.postings.entries.map((posted) => posted.reversal)).toEqual([
      { reverses: entry.id, number: 1, total: money('40.00'), of: money('100.00') },
      { reverses: entry.id, number: 2, total: money('100.00'), of: money('100.00') },
    ]);
    expect(refusal(() => reversal(batch, entry, '0.01'), state)).toMatchObject({
      constructor: AlreadyReversedError,
      code: 'ALREADY_REVERSED',
    });
    expect(refusal(() => reversal(batch, entry), state)).toBeInstanceOf(AlreadyReversedError);
    expect(payee.balance!.toFixed()).toBe('0.00');
  });

  it('goes on from the reversals committed before the batch', () => {
    const { entry, wallets } = transferred('100.00', { reversed: { count: 2, total: '70.00' } });
    const batch = lockedBatch({ wallets, entries: [entry] });

    expect(refusal(() => reversal(batch, entry, '30.01'), () => stateOf(batch, { wallets, entries: [entry] }))).toBeInstanceOf(
      ReversalExceedsRemainingError,
    );
    const result = reversal(batch, entry);
    expect(result.amount.toFixed()).toBe('30.00');
    expect(batch.postings.entries[0].reversal).toMatchObject({ number: 3, total: money('100.00') });
    expect(entry.reversed).toEqual({ count: 3, total: money('100.00') });
  });

  it('is not stopped by a freeze: an operator claws back from and pays back to frozen wallets', () => {
    const { payer, payee, entry, wallets } = transferred('30.00');
    payer.frozen = true;
    payee.frozen = true;
    const batch = lockedBatch({ wallets, entries: [entry] });

    reversal(batch, entry);

    expect([payee.balance!.toFixed(), payer.balance!.toFixed()]).toEqual(['0.00', '30.00']);
  });

  it("refuses when the payee cannot pay out of its available balance (holds count), naming the wallet and what it has", () => {
    const { payee, entry, wallets } = transferred('30.00', { payeeBalance: '50.00' });
    const hold = lockedHold({ from: payee, to: lockedWallet(), amount: '25.00' });
    const batch = lockedBatch({ wallets, holds: [hold], entries: [entry] });

    const thrown = refusal(() => reversal(batch, entry), () => stateOf(batch, { wallets, holds: [hold], entries: [entry] }));

    expect(thrown).toBeInstanceOf(InsufficientFundsError);
    expect((thrown as Error).message).toBe(
      `Insufficient funds: the payee's wallet ${payee.id} has 25.00 available; the reversal needs 30.00.`,
    );
    reversal(batch, entry, '25.00');
    expect(payee.balance!.toFixed()).toBe('25.00');
  });
});
