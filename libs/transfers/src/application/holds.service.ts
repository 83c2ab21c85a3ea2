import { Injectable } from '@nestjs/common';
import { EntryType, Hold, HoldRepository, HoldStatus } from '@app/ledger';
import { UnitOfWork } from '@app/persistence';
import { type LockedWallet, WalletRepository } from '@app/wallets';
import {
  CaptureExceedsHoldError,
  HoldExpiredError,
  HoldForbiddenError,
  HoldNotFoundError,
  HoldResolvedError,
} from '../domain/transfers.errors';
import { payerOf } from '../domain/payment.rules';
import type { LockedBatch } from './locked-batch';
import type { CommandOf } from './money-commands';
import { PaymentsService } from './payments.service';

/**
 * Two-phase transfers. A hold reserves money on the payer's wallet (checked
 * against the available balance, like a transfer); capture posts an
 * ordinary TRANSFER entry for all or part of it and releases the rest; void
 * releases it. Each is decided in its batch (see LockedBatch), which took
 * the holds' locks first, then the wallets' in id order; transfers lock
 * wallets only, so no cycle can form.
 */
@Injectable()
export class HoldsService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly wallets: WalletRepository,
    private readonly holds: HoldRepository,
    private readonly payments: PaymentsService,
  ) {}

  /** Same checks, in the same order, as a transfer; then the money is reserved until `expiresInSeconds`. */
  place(batch: LockedBatch, { userId, destinationId, amount, expiresInSeconds }: CommandOf<'PLACE_HOLD'>): Hold {
    const source = payerOf(batch.walletOfUser(userId), destinationId);
    this.payments.check({
      payer: source,
      payee: batch.wallet(destinationId),
      payeeNamedBy: 'destination',
      caller: 'payer',
      amount,
      reserved: batch.reservedOn(source),
    });
    const hold = new Hold();
    hold.sourceWalletId = source.id;
    hold.destinationWalletId = destinationId;
    hold.amount = amount;
    hold.expiresAt = new Date(batch.now.getTime() + expiresInSeconds * 1000);
    hold.createdAt = batch.now;
    batch.holdPlaced(source, hold);
    return hold;
  }

  /** Posts `amount` (default: all of it) from payer to destination and releases the rest. */
  capture(batch: LockedBatch, { userId, holdId, amount }: CommandOf<'CAPTURE_HOLD'>): Hold {
    const { hold, source } = this.pendingHoldOf(batch, userId, holdId);
    const captured = amount ?? hold.amount;
    if (captured.greaterThan(hold.amount)) throw new CaptureExceedsHoldError();
    const [debit] = this.payments.pay(
      {
        type: EntryType.TRANSFER,
        payer: source,
        payee: batch.wallet(hold.destinationWalletId),
        amount: captured,
        caller: 'payer',
        // The hold's own reservation is what pays for the capture.
        reserved: batch.reservedOn(source).minus(hold.amount),
        at: batch.now,
      },
      batch.postings,
    );
    batch.holdReleased(source, hold);
    hold.status = HoldStatus.CAPTURED;
    hold.capturedAmount = captured;
    hold.transferId = debit.transferId;
    hold.resolvedAt = batch.now;
    return hold;
  }

  /** Releases the reservation; nothing is posted. */
  void(batch: LockedBatch, { userId, holdId }: CommandOf<'VOID_HOLD'>): Hold {
    const { hold, source } = this.pendingHoldOf(batch, userId, holdId);
    batch.holdReleased(source, hold);
    hold.status = HoldStatus.VOIDED;
    hold.resolvedAt = batch.now;
    return hold;
  }

  /** An operator's void: any wallet's pending hold (404 unknown, 409 not pending), with no owner check. */
  voidByOperator(batch: LockedBatch, { holdId }: CommandOf<'OPERATOR_VOID_HOLD'>): Hold {
    const hold = batch.hold(holdId);
    if (!hold) throw new HoldNotFoundError();
    this.assertPending(hold, batch.now);
    batch.holdReleased(batch.wallet(hold.sourceWalletId)!, hold);
    hold.status = HoldStatus.VOIDED;
    hold.resolvedAt = batch.now;
    return hold;
  }

  /**
   * Marks up to `limit` holds past their expiry EXPIRED and takes them off
   * their wallets' pending-holds counters, in one unit of work. Locks holds
   * first (skipping those a capture or void holds), then their wallets in id
   * order, like a capture. Returns how many expired.
   */
  expireDue(limit: number): Promise<number> {
    return this.unitOfWork.run(async () => {
      const due = await this.holds.lockDue(limit);
      if (due.length === 0) return 0;
      const perWallet = new Map<string, number>();
      for (const hold of due) perWallet.set(hold.sourceWalletId, (perWallet.get(hold.sourceWalletId) ?? 0) + 1);
      await this.wallets.lockByIds([...perWallet.keys()]);
      await this.holds.markExpired(due.map((hold) => hold.id));
      for (const [walletId, count] of perWallet) await this.wallets.adjustPendingHolds(walletId, -count);
      return due.length;
    });
  }

  /**
   * The hold a capture or void names, with its payer's wallet: it exists
   * (404), it is the caller's (403), and it is still pending (409).
   */
  private pendingHoldOf(batch: LockedBatch, userId: string, holdId: string): { hold: Hold; source: LockedWallet } {
    const hold = batch.hold(holdId);
    if (!hold) throw new HoldNotFoundError();
    const source = batch.wallet(hold.sourceWalletId)!;
    if (source.userId !== userId) throw new HoldForbiddenError();
    this.assertPending(hold, batch.now);
    return { hold, source };
  }

  /** Captured or voided: at most once (409). Past its expiry: reserves nothing, cannot be used (409). */
  private assertPending(hold: Hold, now: Date): void {
    if (hold.status === HoldStatus.EXPIRED) throw new HoldExpiredError();
    if (hold.status !== HoldStatus.PENDING) throw new HoldResolvedError(hold.status);
    if (hold.isExpiredAt(now)) throw new HoldExpiredError();
  }
}
