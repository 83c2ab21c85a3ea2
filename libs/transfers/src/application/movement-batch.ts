import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/errors';
import { IdempotencyService, type KeyedRequest, type Settled } from '@app/idempotency';
import {
  type ActionLine,
  type EntrySummary,
  type Hold,
  HoldRepository,
  JournalRepository,
  PostingService,
} from '@app/ledger';
import { WalletRepository } from '@app/wallets';
import { HoldsService } from './holds.service';
import { LockedBatch } from './locked-batch';
import type { MoneyCommand, ResultOf } from './money-commands';
import { TransfersService } from './transfers.service';

/** A command as queued, with what its request needs back. */
export interface Queued<C extends MoneyCommand = MoneyCommand> {
  command: C;
  /** The request's Idempotency-Key: claimed, and the answer recorded, in the batch's transaction. */
  keyed?: KeyedRequest;
  /** The answer's body (what a replay sends again), made in the batch so that it can be recorded. */
  present: (result: ResultOf<C>) => unknown;
  /** The action log line that commits with the command, if accepted (admin reversals and hold voids): written by the batch's write statement. */
  actionLine?: (result: ResultOf<C>) => ActionLine;
}

/**
 * Turns a batch of money-moving commands into statements, inside the unit of
 * work its caller opened (MoneyMovements), whatever the number of commands:
 *
 *  1. claim the keyed commands' Idempotency-Keys (one statement; a key
 *     answered before settles its command as a replay or a refusal);
 *  2. read the reversal targets, lock the holds to capture or void, then
 *     every wallet the batch touches in id order (one statement each), read
 *     what active holds reserve on them;
 *  3. decide each command in arrival order against the state the previous
 *     ones left (TransfersService, HoldsService; the ledger computes the
 *     balances, sequences and hashes): a refusal settles that command only;
 *  4. write every journal entry, leg, wallet change, hold placed or resolved
 *     and action log line (one statement), and every answer under its key
 *     (one statement; the keys of refusals that bind none are given back).
 *
 * Every write goes through those fixed-text statements: nothing of the batch
 * is left to the unit of work's flush (the holds it locks are not managed).
 *
 * The answers are only good once the caller's transaction commits.
 */
@Injectable()
export class MovementBatch {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly wallets: WalletRepository,
    private readonly holds: HoldRepository,
    private readonly journal: JournalRepository,
    private readonly posting: PostingService,
    private readonly transfers: TransfersService,
    private readonly holdUseCases: HoldsService,
  ) {}

  async run(queued: readonly Queued[]): Promise<Settled[]> {
    // A command answered by its key (or repeating a key of this batch) does not run; IdempotencyService decides.
    const keys = await this.idempotency.claim(queued.map((item) => item.keyed));
    const batch = await this.lock(keys.running.map((index) => queued[index].command));
    for (const index of keys.running) {
      const { command, present, actionLine } = queued[index];
      try {
        const result = this.decide(batch, command);
        if (actionLine) batch.postings.actionLines.push(actionLine(result as never));
        keys.answered(index, present(result as never));
      } catch (refusal) {
        if (!(refusal instanceof DomainError)) throw refusal;
        keys.refused(index, refusal);
      }
    }
    await this.posting.write(batch.postings);
    return keys.settle();
  }

  /** Everything the commands read under lock: holds first, then wallets in id order (like every unit of work). */
  private async lock(commands: MoneyCommand[]): Promise<LockedBatch> {
    const userIds = new Set<string>();
    const walletIds = new Set<string>();
    const holdIds = new Set<string>();
    const entryIds = new Set<string>();
    for (const command of commands) {
      if (command.type === 'REVERSAL') entryIds.add(command.entryId);
      else if (command.type === 'CAPTURE_HOLD' || command.type === 'VOID_HOLD' || command.type === 'OPERATOR_VOID_HOLD')
        holdIds.add(command.holdId);
      else userIds.add(command.userId);
      if (command.type === 'TRANSFER' || command.type === 'PLACE_HOLD') walletIds.add(command.destinationId);
    }
    const holds: Hold[] = holdIds.size > 0 ? await this.holds.lockAll([...holdIds]) : [];
    for (const { sourceWalletId, destinationWalletId } of holds) walletIds.add(sourceWalletId).add(destinationWalletId);
    // Nothing to lock (every command answered by its key, or naming nothing that exists): no statement.
    const { wallets, now } =
      userIds.size + walletIds.size + entryIds.size > 0
        ? await this.wallets.lockForBatch([...userIds], [...walletIds], [...entryIds])
        : { wallets: [], now: null };
    // Reversal targets, read once under the locks of their wallets (which the lock found by the entries' legs):
    // a reversal another batch committed before is seen.
    const entries = entryIds.size > 0 ? await this.journal.entriesUnderLock([...entryIds]) : new Map<string, EntrySummary>();
    const withHolds = wallets.filter((wallet) => wallet.pendingHolds > 0).map((wallet) => wallet.id);
    // No wallet locked: no command of the batch can be accepted, so no moment is recorded.
    const at = now ?? new Date();
    const reserved = withHolds.length > 0 ? await this.holds.reservedOn(withHolds, at) : new Map();
    return new LockedBatch(at, wallets, holds, entries, reserved);
  }

  private decide(batch: LockedBatch, command: MoneyCommand): ResultOf<MoneyCommand> {
    switch (command.type) {
      case 'DEPOSIT':
        return this.transfers.deposit(batch, command);
      case 'TRANSFER':
        return this.transfers.transfer(batch, command);
      case 'REVERSAL':
        return this.transfers.reverse(batch, command);
      case 'PLACE_HOLD':
        return this.holdUseCases.place(batch, command);
      case 'CAPTURE_HOLD':
        return this.holdUseCases.capture(batch, command);
      case 'VOID_HOLD':
        return this.holdUseCases.void(batch, command);
      case 'OPERATOR_VOID_HOLD':
        return this.holdUseCases.voidByOperator(batch, command);
    }
  }
}
