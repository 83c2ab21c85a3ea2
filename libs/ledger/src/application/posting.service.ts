import { Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Money } from '@app/money';
import { BalanceCalculator } from '../domain/balance.calculator';
import type { EntryType, ReversalStep } from '../domain/journal-entry.entity';
import { type LedgerAccount, WalletKind } from '../domain/ledger-account';
import { UnbalancedEntryError } from '../domain/ledger.errors';
import { GENESIS_HASH, operationHash } from '../domain/operation-hash';
import { Operation } from '../domain/operation';
import type { Hold } from '../domain/hold.entity';
import { type ActionLine, type BatchWrites, type EntryDraft, LedgerWriter } from '../persistence/ledger.writer';
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
  /** For a REVERSAL: the entry it reverses, and its step in that entry's chain of reversals. */
  reversal?: ReversalStep;
}

/**
 * What the money movements of one batch posted, gathered in memory until
 * the batch writes it (PostingService.write, one statement): the entries with
 * their legs, every user account whose state changed (running balance,
 * sequence, chain head, pending holds), the holds placed and resolved, and
 * the action log lines that commit with the batch.
 */
export class PostingBatch implements BatchWrites {
  readonly entries: EntryDraft[] = [];
  readonly accounts = new Set<LedgerAccount>();
  readonly holdsPlaced: Hold[] = [];
  /** Written as the batch leaves them (a hold resolved twice in a batch: the second command was refused). */
  readonly holdsResolved = new Set<Hold>();
  readonly actionLines: ActionLine[] = [];

  /** An account changed outside a posting (a hold placed or released changes its pending holds). */
  touch(account: LedgerAccount): void {
    this.accounts.add(account);
  }
}

/**
 * Computes journal entries and their operations (legs) for the caller's
 * unit of work. Every user account among the legs must already be locked by
 * the caller (FOR UPDATE), since the next sequence, balance and chain hash
 * are computed from the values read under that lock, and updated in memory
 * as each entry is posted: the next posting of the same batch builds on
 * them. The legs must sum to zero; the balance calculator refuses a user
 * balance below zero. Nothing is written until `write`.
 */
@Injectable()
export class PostingService {
  constructor(
    private readonly balances: BalanceCalculator,
    private readonly writer: LedgerWriter,
    @Optional() private readonly observer?: PostingObserver,
  ) {}

  /** Adds the entry to the batch and moves the accounts' state on; throws (changing nothing) when it cannot be posted. */
  post(posting: Posting, batch: PostingBatch): Operation[] {
    const total = Money.sum(posting.legs.map((leg) => leg.amount));
    if (!total.isZero()) throw new UnbalancedEntryError(total.toFixed());
    // Every balance first: a refusal leaves every account as it was.
    const balancesAfter = posting.legs.map((leg) =>
      leg.account.kind === WalletKind.USER ? this.balances.next(leg.account, leg.amount) : null,
    );

    const entryId = randomUUID();
    const operations = posting.legs.map((leg, index) => {
      const operation = new Operation();
      operation.transferId = entryId;
      operation.walletId = leg.account.id;
      operation.sourceWalletId = posting.sourceWalletId;
      operation.destinationWalletId = posting.destinationWalletId;
      operation.type = posting.type;
      operation.amount = leg.amount;
      operation.timestamp = posting.at;
      operation.reverses = posting.reversal?.reverses ?? null;
      const balanceAfter = balancesAfter[index];
      if (balanceAfter) {
        operation.balanceAfter = balanceAfter;
        operation.sequence = (leg.account.lastSequence ?? 0) + 1;
        operation.hash = operationHash(hashedFields(operation), leg.account.chainHead ?? GENESIS_HASH);
        leg.account.balance = balanceAfter;
        leg.account.lastSequence = operation.sequence;
        leg.account.chainHead = operation.hash;
        batch.accounts.add(leg.account);
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
    batch.entries.push({
      id: entryId,
      type: posting.type,
      at: posting.at,
      reversal: posting.reversal ?? null,
      operations,
    });
    return operations;
  }

  /** Writes the batch in the caller's transaction (one statement). */
  async write(batch: PostingBatch): Promise<void> {
    await this.writer.write(batch);
    for (const entry of batch.entries) this.observer?.entryPosted(entry.type);
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
