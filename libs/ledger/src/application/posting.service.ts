import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { BalanceCalculator } from '../domain/balance.calculator';
import { EntryType, JournalEntry } from '../domain/journal-entry.entity';
import { type LedgerAccount, WalletKind } from '../domain/ledger-account';
import { UnbalancedEntryError } from '../domain/ledger.errors';
import { Operation } from '../domain/operation.entity';

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
 * work. Joins the transaction the use case opened; never opens its own. Every
 * user account among the legs must already be locked by the caller
 * (PESSIMISTIC_WRITE), since the next sequence and balance are computed from
 * the values read under that lock.
 */
@Injectable()
export class PostingService {
  constructor(
    private readonly em: EntityManager,
    private readonly balances: BalanceCalculator,
  ) {}

  post(posting: Posting): Operation[] {
    const total = Money.sum(posting.legs.map((leg) => leg.amount));
    if (!total.isZero()) throw new UnbalancedEntryError(total.toFixed());

    const entry = new JournalEntry();
    entry.type = posting.type;
    this.em.persist(entry);

    return posting.legs.map((leg) => {
      const operation = new Operation();
      operation.transferId = entry.id;
      operation.walletId = leg.account.id;
      operation.sourceWalletId = posting.sourceWalletId;
      operation.destinationWalletId = posting.destinationWalletId;
      operation.type = posting.type;
      operation.amount = leg.amount;
      if (leg.account.kind === WalletKind.USER) {
        const balanceAfter = this.balances.next(leg.account, leg.amount);
        const sequence = (leg.account.lastSequence ?? 0) + 1;
        leg.account.balance = balanceAfter;
        leg.account.lastSequence = sequence;
        operation.balanceAfter = balanceAfter;
        operation.sequence = sequence;
      }
      this.em.persist(operation);
      return operation;
    });
  }
}
