import { Injectable } from '@nestjs/common';
import { EntryType, FUNDING_WALLET_ID, type LedgerAccount, type Operation, WalletKind } from '@app/ledger';
import { Money } from '@app/money';
import { WalletNotFoundError } from '@app/wallets';
import { payerOf } from '../domain/payment.rules';
import { AlreadyReversedError, NotReversibleError, TransferNotFoundError } from '../domain/transfers.errors';
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
   * Posts a REVERSAL: the transfer's amount moves back from its payee to its
   * payer, through the same path and checks as a transfer (the payee must
   * still hold the money; neither wallet may be frozen). At most once per
   * transfer: the batch read each target's reversal under the wallets' locks
   * (a reversal committed by another batch is seen), an earlier reversal in
   * this batch marks it, and the unique index on journal_entries.reverses_id
   * stands behind both.
   */
  reverse(batch: LockedBatch, { entryId }: CommandOf<'REVERSAL'>): Reversal {
    const entry = batch.entry(entryId);
    if (!entry) throw new TransferNotFoundError();
    if (entry.type !== EntryType.TRANSFER) throw new NotReversibleError(entry.type);
    if (entry.reversedBy) throw new AlreadyReversedError();
    const payer = batch.wallet(entry.destinationWalletId)!;
    const operations = this.payments.pay(
      {
        type: EntryType.REVERSAL,
        payer,
        payee: batch.wallet(entry.sourceWalletId),
        amount: entry.amount,
        reserved: batch.reservedOn(payer),
        at: batch.now,
        reverses: entry.id,
      },
      batch.postings,
    );
    entry.reversedBy = operations[0].transferId;
    return { id: operations[0].transferId, reverses: entry.id, operations };
  }
}
