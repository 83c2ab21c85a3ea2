import { Injectable } from '@nestjs/common';
import { RegistrationListener } from '@app/auth';
import { BalanceService, type Operation, OperationRepository, type SortOrder } from '@app/ledger';
import type { Money } from '@app/money';
import type { Wallet } from '../domain/wallet.entity';
import { WalletNotFoundError } from '../domain/wallets.errors';
import { WalletRepository } from '../persistence/wallet.repository';

export interface WalletView {
  wallet: Wallet;
  balance: Money;
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

  async walletOf(userId: string): Promise<WalletView> {
    const wallet = await this.requireWallet(userId);
    return { wallet, balance: await this.balances.balanceOf(wallet) };
  }

  async operationsOf(
    userId: string,
    query: { timestamp?: Date; order: SortOrder; limit: number },
  ): Promise<Operation[]> {
    const wallet = await this.requireWallet(userId);
    return this.operations.list({ walletId: wallet.id, ...query });
  }

  private async requireWallet(userId: string): Promise<Wallet> {
    const wallet = await this.wallets.findByUserId(userId);
    if (!wallet) throw new WalletNotFoundError();
    return wallet;
  }
}
