import { Injectable } from '@nestjs/common';
import { RegistrationListener } from '@app/auth';
import { BalanceService, type EntryType, type Operation, OperationRepository, type SortOrder, WalletKind } from '@app/ledger';
import type { Money } from '@app/money';
import type { Wallet } from '../domain/wallet.entity';
import { ReplicaReads, UnitOfWork } from '@app/persistence';
import {
  InvalidCursorError,
  SystemWalletFreezeError,
  SystemWalletHistoryError,
  WalletAlreadyFrozenError,
  WalletNotFoundError,
  WalletNotFrozenError,
} from '../domain/wallets.errors';
import { WalletRepository, type WalletState } from '../persistence/wallet.repository';

/** A wallet with its balances: the caller's own as a plain value (`WalletState`), admin reads as the entity. */
export interface WalletView<W extends WalletState = Wallet> {
  wallet: W;
  balance: Money;
  /** Balance less active holds; absent for a balance at a past moment. */
  available?: Money;
}

/** A position in a wallet's history, bound to the wallet and order it was made for. */
export interface HistoryPosition {
  walletId: string;
  order: SortOrder;
  sequence: number;
}

export interface HistoryQuery {
  order: SortOrder;
  limit: number;
  timestamp?: Date;
  after?: HistoryPosition;
  /** Admin reads' filters: entry types, and [from, to) in time. */
  types?: readonly EntryType[];
  from?: Date;
  to?: Date;
}

export interface HistoryPage {
  operations: Operation[];
  next: HistoryPosition | null;
}

@Injectable()
export class WalletsService implements RegistrationListener {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly wallets: WalletRepository,
    private readonly operations: OperationRepository,
    private readonly balances: BalanceService,
    private readonly reads: ReplicaReads,
  ) {}

  /** Joins the registration's unit of work: the wallet commits with its user. */
  async userRegistered(userId: string): Promise<void> {
    this.wallets.addForUser(userId);
  }

  /**
   * The caller's wallet with its balance and available balance now (on the
   * primary), or its balance at `at` (on a replica that has replayed the
   * caller's last write, when there is one: see ReplicaReads).
   */
  async walletOf(userId: string, at?: Date): Promise<WalletView<WalletState>> {
    if (at !== undefined) {
      return this.reads.read(async () => {
        const wallet = await this.requireWallet(userId);
        return { wallet, balance: await this.balances.balanceOf(wallet, at) };
      });
    }
    const wallet = await this.requireWallet(userId);
    return {
      wallet,
      balance: await this.balances.balanceOf(wallet),
      available: await this.balances.availableOf(wallet),
    };
  }

  /** A page of the caller's history: on a replica that has replayed the caller's last write, when there is one. */
  async historyOf(userId: string, query: HistoryQuery): Promise<HistoryPage> {
    return this.reads.read(async () => this.historyOfWallet(await this.requireWallet(userId), query));
  }

  /** Any wallet by id with its balance and available balance now (admin reads). */
  async walletById(walletId: string): Promise<WalletView & { available: Money }> {
    const wallet = await this.wallets.findById(walletId);
    if (!wallet) throw new WalletNotFoundError();
    return { wallet, balance: await this.balances.balanceOf(wallet), available: await this.balances.availableOf(wallet) };
  }

  /** The wallets of these users (absent: none), with their balances now. */
  async walletsOfUsers(userIds: string[]): Promise<Map<string, WalletView & { available: Money }>> {
    const wallets = await this.wallets.findByUserIds(userIds);
    const views = new Map<string, WalletView & { available: Money }>();
    for (const wallet of wallets) {
      views.set(wallet.userId!, {
        wallet,
        balance: await this.balances.balanceOf(wallet),
        available: await this.balances.availableOf(wallet),
      });
    }
    return views;
  }

  /** Any user wallet's history (admin reads); the funding wallet keeps no sequence to page by (422). */
  async historyOfWalletId(walletId: string, query: HistoryQuery): Promise<HistoryPage> {
    const wallet = await this.wallets.findById(walletId);
    if (!wallet) throw new WalletNotFoundError();
    if (wallet.kind !== WalletKind.USER) throw new SystemWalletHistoryError();
    return this.historyOfWallet(wallet, query);
  }

  /**
   * Freezes or unfreezes a user wallet in the caller's unit of work (joined):
   * the change takes the wallet's row lock, so no movement of the wallet runs
   * across it, and every later one sees it. 409 when already in that state.
   */
  async setFrozen(walletId: string, frozen: boolean): Promise<void> {
    await this.unitOfWork.run(async () => {
      const wallet = await this.wallets.findById(walletId);
      if (!wallet) throw new WalletNotFoundError();
      if (wallet.kind !== WalletKind.USER) throw new SystemWalletFreezeError();
      if (!(await this.wallets.setFrozen(walletId, frozen))) {
        throw frozen ? new WalletAlreadyFrozenError() : new WalletNotFrozenError();
      }
    });
  }

  private async historyOfWallet(wallet: WalletState, query: HistoryQuery): Promise<HistoryPage> {
    if (query.after && (query.after.walletId !== wallet.id || query.after.order !== query.order)) {
      throw new InvalidCursorError();
    }
    const page = await this.operations.page({
      walletId: wallet.id,
      order: query.order,
      limit: query.limit,
      timestamp: query.timestamp,
      afterSequence: query.after?.sequence,
      types: query.types,
      from: query.from,
      to: query.to,
    });
    const last = page.operations.at(-1);
    return {
      operations: page.operations,
      next:
        page.hasMore && last?.sequence ? { walletId: wallet.id, order: query.order, sequence: last.sequence } : null,
    };
  }

  private async requireWallet(userId: string): Promise<WalletState> {
    const wallet = await this.wallets.findByUserId(userId);
    if (!wallet) throw new WalletNotFoundError();
    return wallet;
  }
}
