import { Injectable } from '@nestjs/common';
import { EntryType, Hold, HoldRepository, HoldStatus } from '@app/ledger';
import type { Money } from '@app/money';
import { UnitOfWork } from '@app/persistence';
import { WalletRepository } from '@app/wallets';
import {
  CaptureExceedsHoldError,
  HoldExpiredError,
  HoldForbiddenError,
  HoldNotFoundError,
  HoldResolvedError,
} from '../domain/transfers.errors';
import { payerOf } from '../domain/payment.rules';
import { PaymentsService } from './payments.service';

/**
 * Two-phase transfers. A hold reserves money on the payer's wallet (checked
 * against the available balance under the wallet's lock, like a transfer);
 * capture posts an ordinary TRANSFER entry for all or part of it and
 * releases the rest; void releases it. Each is one unit of work. Locks are
 * taken hold first, then wallets in id order; transfers lock wallets only, so
 * no cycle can form.
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
  place(userId: string, destinationId: string, amount: Money, expiresInSeconds: number): Promise<Hold> {
    return this.unitOfWork.run(async () => {
      const { wallets } = await this.wallets.lockForUser(userId, destinationId);
      const source = payerOf(wallets, userId, destinationId);
      const { reserved, now } = await this.holds.reservationsOf(source.id);
      this.payments.check({
        payer: source,
        payee: wallets.find((wallet) => wallet.id === destinationId),
        amount,
        reserved,
      });
      const hold = new Hold();
      hold.sourceWalletId = source.id;
      hold.destinationWalletId = destinationId;
      hold.amount = amount;
      hold.expiresAt = new Date(now.getTime() + expiresInSeconds * 1000);
      await this.wallets.adjustPendingHolds(source.id, 1);
      return this.holds.add(hold);
    });
  }

  /** Posts `amount` (default: all of it) from payer to destination and releases the rest. */
  capture(userId: string, holdId: string, amount?: Money): Promise<Hold> {
    return this.unitOfWork.run(async () => {
      const hold = await this.holds.lockById(holdId);
      if (!hold) throw new HoldNotFoundError();
      const { wallets, now: lockedAt } = await this.wallets.lockByIds([hold.sourceWalletId, hold.destinationWalletId]);
      const source = wallets.find((wallet) => wallet.id === hold.sourceWalletId)!;
      if (source.userId !== userId) throw new HoldForbiddenError();
      const { reserved, now } = await this.holds.reservationsOf(source.id);
      this.assertPending(hold, now);
      const captured = amount ?? hold.amount;
      if (captured.greaterThan(hold.amount)) throw new CaptureExceedsHoldError();
      const [debit] = await this.payments.pay({
        type: EntryType.TRANSFER,
        payer: source,
        payee: wallets.find((wallet) => wallet.id === hold.destinationWalletId),
        amount: captured,
        // The hold's own reservation is what pays for the capture.
        reserved: reserved.minus(hold.amount),
        at: lockedAt!,
      });
      await this.wallets.adjustPendingHolds(source.id, -1);
      hold.status = HoldStatus.CAPTURED;
      hold.capturedAmount = captured;
      hold.transferId = debit.transferId;
      hold.resolvedAt = now;
      return hold;
    });
  }

  /** Releases the reservation; nothing is posted. */
  void(userId: string, holdId: string): Promise<Hold> {
    return this.unitOfWork.run(async () => {
      const hold = await this.holds.lockById(holdId);
      if (!hold) throw new HoldNotFoundError();
      const source = await this.wallets.findById(hold.sourceWalletId);
      if (source?.userId !== userId) throw new HoldForbiddenError();
      const now = await this.holds.databaseNow();
      this.assertPending(hold, now);
      await this.wallets.adjustPendingHolds(hold.sourceWalletId, -1);
      hold.status = HoldStatus.VOIDED;
      hold.resolvedAt = now;
      return hold;
    });
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

  /** Captured or voided: at most once (409). Past its expiry: reserves nothing, cannot be used (409). */
  private assertPending(hold: Hold, now: Date): void {
    if (hold.status === HoldStatus.EXPIRED) throw new HoldExpiredError();
    if (hold.status !== HoldStatus.PENDING) throw new HoldResolvedError(hold.status);
    if (hold.isExpiredAt(now)) throw new HoldExpiredError();
  }
}
