import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { type LedgerAccount, WalletKind } from '../domain/ledger-account';
import { OperationRepository } from '../persistence/operation.repository';

/**
 * Answers "what is this wallet's balance": O(1) from the stored running
 * balance for user wallets; system wallets have none and are summed on read
 * (only admin and audit reads ever ask for them).
 */
@Injectable()
export class BalanceService {
  constructor(private readonly operations: OperationRepository) {}

  async balanceOf(account: LedgerAccount): Promise<Money> {
    if (account.kind === WalletKind.SYSTEM) return this.operations.sumAmounts(account.id);
    return account.balance ?? Money.ZERO;
  }
}
