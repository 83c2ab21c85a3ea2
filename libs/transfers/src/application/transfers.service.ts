import { Injectable } from '@nestjs/common';
import { EntryType, FUNDING_WALLET_ID, type LedgerAccount, type Operation, WalletKind } from '@app/ledger';
import { Money } from '@app/money';
import { WalletNotFoundError } from '@app/wallets';
import { payerOf } from '../domain/payment.rules';
import {
  AlreadyReversedError,
  NotReversibleError,
  ReversalExceedsRemainingError,
  TransferNotFoundError,
} from '../domain/transfers.errors';
import type { LockedBatch } from './locked-batch';
import type { CommandOf, Reversal } from './money-commands';
import { PaymentsService } from './payments.service';

/** The funding wallet as the ledger sees it: a system account, never locked, never updated, never frozen. */
const FUNDING_ACCOUNT: LedgerAccount = {
  id: FUNDING_WALLET_ID,
  kind: WalletKind.SYSTEM,
  balance: null,
  lastSequence: null,
  pendingHolds: 0,
  chainHead: null,
  frozen: false,
};

/**
 * Decides deposits, transfers and reversals, each against the state its
 * batch's earlier commands left (the wallets read under their locks, see
 * LockedBatch), through the one payment path. A refusal throws and leaves
 * the batch as it was. Nothing here waits on the database.
 */
@Injectable()
export class TransfersService {
  constructor(private readonly payments: PaymentsService) {}

  /**
   * Credits the user's wallet and debits the funding wallet. Only the user's
   * wallet is locked: the funding wallet keeps no running balance, so
   * deposits of different users never wait on each other.
   */
  deposit(batch: LockedBatch, { userId, amount }: CommandOf<'DEPOSIT'>): Operation {
    const wallet = batch.walletOfUser(userId);
    if (!wallet) throw new WalletNotFoundError();
    const [, credit] = this.payments.pay(
      {
        type: EntryType.DEPOSIT,
        payer: FUNDING_ACCOUNT,
        payee: wallet,
        payeeNamedBy: 'own',
        caller: 'payee',
        amount,
        reserved: Money.ZERO,
        at: batch.now,
      },
      batch.postings,
    );
    return credit;
  }

  /**
   * Moves `amount` from the caller's wallet to `destinationId`. Checks run in
   * the contract's order: own wallet (422), caller has no wallet (404), then
   * the payment's (frozen 403, insufficient available funds 400, destination
   * missing 404, destination frozen 403). Available is the balance less
   * active holds.
   */
  transfer(batch: LockedBatch, { userId, destinationId, amount }: CommandOf<'TRANSFER'>): Operation {
    const payer = payerOf(batch.walletOfUser(userId), destinationId);
    const [debit] = this.payments.pay(
      {
        type: EntryType.TRANSFER,
        payer,
        payee: batch.wallet(destinationId),
        payeeNamedBy: 'destination',
        caller: 'payer',
        amount,
        reserved: batch.reservedOn(payer),
        at: batch.now,
      },
      batch.postings,
    );
    return debit;
  }

  /**
   * Posts a REVERSAL of a TRANSFER (its payee pays its payer back) or of a
   * DEPOSIT (a chargeback: the depositor's wallet pays the funding wallet
   * back): `amount`, or whatever is left of the entry, through the same path
   * as a transfer. The payer must hold the money (its available balance);
   * a frozen wallet does not refuse it: an operator's correction (a claw-back).
   *
   * An entry's reversals never add up to more than it. Decided here against
   * what the batch read under the wallets' locks (a reversal another batch
   * committed is seen; an earlier one of this batch moved `entry.reversed`
   * on), and bounded by the database behind it: each REVERSAL row carries its
   * step and the running total, checked against the entry's amount (see
   * JournalEntry).
   */
  reverse(batch: LockedBatch, { entryId, amount }: CommandOf<'REVERSAL'>): Reversal {
    const entry = batch.entry(entryId);
    if (!entry) throw new TransferNotFoundError();
    if (entry.type !== EntryType.TRANSFER && entry.type !== EntryType.DEPOSIT) throw new NotReversibleError(entry.type);
    const remaining = entry.amount.minus(entry.reversed.total);
    if (!remaining.greaterThan(Money.ZERO)) throw new AlreadyReversedError(entry.type);
    const reversing = amount ?? remaining;
    if (reversing.greaterThan(remaining)) throw new ReversalExceedsRemainingError(entry.type, remaining, entry.amount);

    const deposit = entry.type === EntryType.DEPOSIT;
    const payer = batch.wallet(entry.destinationWalletId)!;
    const total = entry.reversed.total.plus(reversing);
    const operations = this.payments.pay(
      {
        type: EntryType.REVERSAL,
        payer,
        payee: deposit ? FUNDING_ACCOUNT : batch.wallet(entry.sourceWalletId),
        amount: reversing,
        reserved: batch.reservedOn(payer),
        at: batch.now,
        byOperator: true,
        payerPart: deposit ? "the depositor's wallet" : "the payee's wallet",
        reversal: { reverses: entry.id, number: entry.reversed.count + 1, total, of: entry.amount },
      },
      batch.postings,
    );
    entry.reversed = { count: entry.reversed.count + 1, total };
    return {
      id: operations[0].transferId,
      reverses: entry.id,
      amount: reversing,
      reversedTotal: total,
      remaining: entry.amount.minus(total),
      operations,
    };
  }
}
