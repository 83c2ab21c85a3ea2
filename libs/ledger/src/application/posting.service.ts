import { Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Money } from '@app/money';
import { BalanceCalculator } from '../domain/balance.calculator';
import type { EntryType } from '../domain/journal-entry.entity';
import { type LedgerAccount, WalletKind } from '../domain/ledger-account';
import { UnbalancedEntryError } from '../domain/ledger.errors';
import { GENESIS_HASH, operationHash } from '../domain/operation-hash';
import { Operation } from '../domain/operation.entity';
import { LedgerWriter } from '../persistence/ledger.writer';
import { PostingObserver } from './posting.observer';

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
  /**
   * The entry's moment: PostgreSQL's clock read after the accounts were
   * locked, so that within a wallet time never runs backwards along the sequence.
   */
  at: Date;
  /** For a REVERSAL: the entry it reverses. */
  reverses?: string;
}

/**
 * Records a journal entry and its operations (legs) in the caller's unit of
 * work: it joins the transaction the use case opened, never opens its own.
 * Every user account among the legs must already be locked by the caller
 * (FOR UPDATE), since the next sequence, balance and chain hash are computed
 * from the values read under that lock. The legs must sum to zero; the
 * balance calculator refuses a user balance below zero. Updates the accounts
 * in memory and in the database.
 */
@Injectable()
export class PostingService {
  constructor(
    private readonly balances: BalanceCalculator,
    private readonly writer: LedgerWriter,
    @Optional() private readonly observer?: PostingObserver,
  ) {}

  async post(posting: Posting): Promise<Operation[]> {
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
      operation.timestamp = posting.at;
      if (leg.account.kind === WalletKind.USER) {
        operation.balanceAfter = this.balances.next(leg.account, leg.amount);
        operation.sequence = (leg.account.lastSequence ?? 0) + 1;
        operation.hash = operationHash(hashedFields(operation), leg.account.chainHead ?? GENESIS_HASH);
        leg.account.balance = operation.balanceAfter;
        leg.account.lastSequence = operation.sequence;
        leg.account.chainHead = operation.hash;
        moved.push(leg.account);
      }
      return operation;
    });
    // System legs keep no chain of their own: each chains to its entry's user
    // leg (the one of the lowest wallet id, should there ever be several).
    const anchor =
      operations
        .filter((operation) => operation.hash)
        .sort((a, b) => (a.walletId < b.walletId ? -1 : 1))[0]?.hash ?? GENESIS_HASH;
    for (const operation of operations) {
      if (!operation.hash) operation.hash = operationHash(hashedFields(operation), anchor);
    }
    const written = await this.writer.write({
      id: entryId,
      type: posting.type,
      at: posting.at,
      reverses: posting.reverses ?? null,
      operations,
      accounts: moved,
    });
    this.observer?.entryPosted(posting.type);
    return written;
  }
}

function hashedFields(operation: Operation) {
  return {
    id: operation.id,
    transferId: operation.transferId,
    type: operation.type,
    walletId: operation.walletId,
    sourceWalletId: operation.sourceWalletId,
    destinationWalletId: operation.destinationWalletId,
    amount: operation.amount.toFixed(),
    sequence: operation.sequence,
    balanceAfter: operation.balanceAfter?.toFixed() ?? null,
    timestamp: operation.timestamp!,
  };
}
