import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Money } from '@app/money';
import { BalanceCalculator } from '../domain/balance.calculator';
import type { EntryType } from '../domain/journal-entry.entity';
import { type LedgerAccount, WalletKind } from '../domain/ledger-account';
import { UnbalancedEntryError } from '../domain/ledger.errors';
import { Operation } from '../domain/operation.entity';
import { LedgerWriter } from '../persistence/ledger.writer';

export interface Leg {
  account: LedgerAccount;
  /** Signed: negative debits the account, positive credits it. */
  amount: Money;
}

export interface Posting {
  type: EntryType;
  sourceWalletId: string;
  destinationWalletId: string;
  legs: Leg[];
}

/**
 * Records a journal entry and its operations (legs) in the caller's unit of
 * work: it joins the transaction the use case opened, never opens its own.
 * Every user account among the legs must already be locked by the caller
 * (FOR UPDATE), since the next sequence and balance are computed from the
 * values read under that lock. The legs must sum to zero; the balance
 * calculator refuses a user balance below zero. Updates the accounts in
 * memory and in the database.
 */
@Injectable()
export class PostingService {
  constructor(
    private readonly balances: BalanceCalculator,
    private readonly writer: LedgerWriter,
  ) {}

  post(posting: Posting): Promise<Operation[]> {
    const total = Money.sum(posting.legs.map((leg) => leg.amount));
    if (!total.isZero()) throw new UnbalancedEntryError(total.toFixed());

    const entryId = randomUUID();
    const moved: LedgerAccount[] = [];
    const operations = posting.legs.map((leg) => {
      const operation = new Operation();
      operation.transferId = entryId;
      operation.walletId = leg.account.id;
      operation.sourceWalletId = posting.sourceWalletId;
      operation.destinationWalletId = posting.destinationWalletId;
      operation.type = posting.type;
      operation.amount = leg.amount;
      if (leg.account.kind === WalletKind.USER) {
        operation.balanceAfter = this.balances.next(leg.account, leg.amount);
        operation.sequence = (leg.account.lastSequence ?? 0) + 1;
        leg.account.balance = operation.balanceAfter;
        leg.account.lastSequence = operation.sequence;
        moved.push(leg.account);
      }
      return operation;
    });
    return this.writer.write({ id: entryId, type: posting.type, operations, accounts: moved });
  }
}
