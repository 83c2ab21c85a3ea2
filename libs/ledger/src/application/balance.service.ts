import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { BalanceCalculator } from '../domain/balance.calculator';
import { type LedgerAccount, WalletKind } from '../domain/ledger-account';
import { HoldRepository } from '../persistence/hold.repository';
import { OperationRepository } from '../persistence/operation.repository';

/**
 * Answers "what is this wallet's balance (at a moment)" and "what may it
 * spend". For user wallets: now, the stored running balance (O(1)); at a
 * moment, the balance_after of the last operation at or before it (one index
 * seek). System wallets keep no running balance and are summed on read (only
 * admin and audit reads ever ask for them).
 */
@Injectable()
export class BalanceService {
  constructor(
    private readonly operations: OperationRepository,
    private readonly holds: HoldRepository,
    private readonly calculator: BalanceCalculator,
  ) {}

  async balanceOf(account: LedgerAccount, at?: Date): Promise<Money> {
    if (account.kind === WalletKind.SYSTEM) return this.operations.sumAmounts(account.id, at);
    if (at === undefined) return account.balance ?? Money.ZERO;
    return (await this.operations.balanceAfterAt(account.id, at)) ?? Money.ZERO;
  }

  /** Balance less active holds. Read without the wallet's lock: a snapshot for display. */
  async availableOf(account: LedgerAccount): Promise<Money> {
    if (account.kind === WalletKind.SYSTEM) return this.balanceOf(account);
    return this.calculator.available(account, await this.reservedOn(account));
  }

  /** The money active holds reserve on the account now; a wallet without pending holds costs no query. */
  private async reservedOn(account: LedgerAccount): Promise<Money> {
    if (account.pendingHolds === 0) return Money.ZERO;
    return this.holds.reservedNow(account.id);
  }
}
