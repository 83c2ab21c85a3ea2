import { Injectable } from '@nestjs/common';
import {
  BalanceCalculator,
  type EntryType,
  type Operation,
  type PostingBatch,
  PostingService,
  type ReversalStep,
} from '@app/ledger';
import { checkPayment, type PaymentCheck } from '../domain/payment.rules';

export interface Payment extends PaymentCheck {
  type: EntryType;
  /** PostgreSQL's clock, read once the wallets were locked. */
  at: Date;
  /** For a REVERSAL: the entry it reverses and its step among that entry's reversals. */
  reversal?: ReversalStep;
}

/**
 * The one path of every movement of money between two wallets (deposit,
 * transfer, hold capture, reversal), with the user wallets already locked by
 * the batch: the payment's checks, then one balanced journal entry
 * (sequences, running balances and chain hashes computed by the ledger),
 * added to the batch's postings. Returns the entry's legs, the payer's first.
 * A refusal throws and changes nothing.
 */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly balances: BalanceCalculator,
    private readonly posting: PostingService,
  ) {}

  /** The checks alone, for what reserves money without moving it (a hold). */
  check(payment: PaymentCheck) {
    return checkPayment(payment, this.balances);
  }

  pay(payment: Payment, batch: PostingBatch): Operation[] {
    const payee = this.check(payment);
    return this.posting.post(
      {
        type: payment.type,
        sourceWalletId: payment.payer.id,
        destinationWalletId: payee.id,
        at: payment.at,
        reversal: payment.reversal,
        legs: [
          { account: payment.payer, amount: payment.amount.negated() },
          { account: payee, amount: payment.amount },
        ],
      },
      batch,
    );
  }
}
