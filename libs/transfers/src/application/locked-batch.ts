import type { EntrySummary, Hold } from '@app/ledger';
import { PostingBatch } from '@app/ledger';
import { Money } from '@app/money';
import type { LockedWallet } from '@app/wallets';

/**
 * What a batch of money movements read under its locks, and what its
 * accepted commands changed so far: each command is decided against this,
 * in arrival order, as if the commands before it had run alone and
 * committed. Nothing here is written until the batch writes its postings.
 */
export class LockedBatch {
  readonly postings = new PostingBatch();
  private readonly walletsById: Map<string, LockedWallet>;
  private readonly walletsByUser: Map<string, LockedWallet>;
  private readonly holdsById: Map<string, Hold>;

  constructor(
    /** PostgreSQL's clock, read once every lock was held: the moment of every entry and expiry check of the batch. */
    readonly now: Date,
    wallets: readonly LockedWallet[],
    holds: readonly Hold[],
    /** Reversal targets, with what their reversals add up to (re-read under the locks). */
    private readonly entries: Map<string, EntrySummary>,
    /** What active holds reserve on each locked wallet (absent: nothing). */
    private readonly reserved: Map<string, Money>,
  ) {
    this.walletsById = new Map(wallets.map((wallet) => [wallet.id, wallet]));
    this.walletsByUser = new Map(
      wallets.filter((wallet) => wallet.userId !== null).map((wallet) => [wallet.userId!, wallet]),
    );
    this.holdsById = new Map(holds.map((hold) => [hold.id, hold]));
  }

  walletOfUser(userId: string): LockedWallet | undefined {
    return this.walletsByUser.get(userId);
  }

  /** A locked user wallet by id. */
  wallet(id: string): LockedWallet | undefined {
    return this.walletsById.get(id);
  }

  hold(id: string): Hold | undefined {
    return this.holdsById.get(id);
  }

  entry(id: string): EntrySummary | undefined {
    return this.entries.get(id);
  }

  reservedOn(wallet: LockedWallet): Money {
    return this.reserved.get(wallet.id) ?? Money.ZERO;
  }

  /** A hold placed on `wallet` reserves its amount and counts as pending; the batch inserts it. */
  holdPlaced(wallet: LockedWallet, hold: Hold): void {
    this.reserved.set(wallet.id, this.reservedOn(wallet).plus(hold.amount));
    wallet.pendingHolds += 1;
    this.postings.touch(wallet);
    this.postings.holdsPlaced.push(hold);
  }

  /**
   * A pending hold captured or voided: it reserves nothing more; the batch
   * writes its state as the command leaves it (status, capture, resolution).
   */
  holdReleased(wallet: LockedWallet, hold: Hold): void {
    this.reserved.set(wallet.id, this.reservedOn(wallet).minus(hold.amount));
    wallet.pendingHolds -= 1;
    this.postings.touch(wallet);
    this.postings.holdsResolved.add(hold);
  }
}
