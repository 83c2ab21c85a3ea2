import { Injectable } from '@nestjs/common';
import { RegistrationListener } from '@app/auth';
import { BalanceService, type Operation, OperationRepository, type SortOrder } from '@app/ledger';
import type { Money } from '@app/money';
import type { Wallet } from '../domain/wallet.entity';
import { InvalidCursorError, WalletNotFoundError } from '../domain/wallets.errors';
import { WalletRepository } from '../persistence/wallet.repository';

export interface WalletView {
  wallet: Wallet;
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
}

export interface HistoryPage {
  operations: Operation[];
  next: HistoryPosition | null;
}

@Injectable()
export class WalletsService implements RegistrationListener {
  constructor(
    private readonly wallets: WalletRepository,
    private readonly operations: OperationRepository,
    private readonly balances: BalanceService,
  ) {}

  /** Joins the registration's unit of work: the wallet commits with its user. */
  async userRegistered(userId: string): Promise<void> {
    this.wallets.addForUser(userId);
  }

  /** The caller's wallet with its balance and available balance now, or its balance at `at`. */
  async walletOf(userId: string, at?: Date): Promise<WalletView> {
    const wallet = await this.requireWallet(userId);
    if (at !== undefined) return { wallet, balance: await this.balances.balanceOf(wallet, at) };
    return {
      wallet,
      balance: await this.balances.balanceOf(wallet),
      available: await this.balances.availableOf(wallet),
    };
  }

  async historyOf(userId: string, query: HistoryQuery): Promise<HistoryPage> {
    const wallet = await this.requireWallet(userId);
    if (query.after && (query.after.walletId !== wallet.id || query.after.order !== query.order)) {
      throw new InvalidCursorError();
    }
    const page = await this.operations.page({
      walletId: wallet.id,
      order: query.order,
      limit: query.limit,
      timestamp: query.timestamp,
      afterSequence: query.after?.sequence,
    });
    const last = page.operations.at(-1);
    return {
      operations: page.operations,
      next:
        page.hasMore && last?.sequence ? { walletId: wallet.id, order: query.order, sequence: last.sequence } : null,
    };
  }

  private async requireWallet(userId: string): Promise<Wallet> {
    const wallet = await this.wallets.findByUserId(userId);
    if (!wallet) throw new WalletNotFoundError();
    return wallet;
  }
}
