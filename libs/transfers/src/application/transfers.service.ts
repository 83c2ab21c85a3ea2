import { Injectable } from '@nestjs/common';
import {
  BalanceCalculator,
  EntryType,
  FUNDING_WALLET_ID,
  BalanceService,
  InsufficientFundsError,
  type LedgerAccount,
  type Operation,
  PostingService,
  WalletKind,
} from '@app/ledger';
import type { Money } from '@app/money';
import { UnitOfWork } from '@app/persistence';
import { WalletNotFoundError, WalletRepository } from '@app/wallets';
import { payeeOf, payerOf } from '../domain/payment.rules';

/** The funding wallet as the ledger sees it: a system account, never locked, never updated. */
const FUNDING_ACCOUNT: LedgerAccount = {
  id: FUNDING_WALLET_ID,
  kind: WalletKind.SYSTEM,
  balance: null,
  lastSequence: null,
  pendingHolds: 0,
};

/**
 * The money-moving use cases. Each is one unit of work: lock the user
 * wallets involved, read their balances under the lock, post one balanced
 * journal entry, commit. A deadlock, serialization failure or lock timeout
 * rolls the whole attempt back and it runs again (bounded; see UnitOfWork).
 */
@Injectable()
export class TransfersService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly wallets: WalletRepository,
    private readonly posting: PostingService,
    private readonly balances: BalanceCalculator,
    private readonly reservations: BalanceService,
  ) {}

  /**
   * Credits the user's wallet and debits the funding wallet. Only the user's
   * wallet is locked: the funding wallet keeps no running balance, so
   * deposits of different users never wait on each other.
   */
  deposit(userId: string, amount: Money): Promise<Operation> {
    return this.unitOfWork.run(async () => {
      const [wallet] = await this.wallets.lockForUser(userId);
      if (!wallet) throw new WalletNotFoundError();
      const [credit] = await this.posting.post({
        type: EntryType.DEPOSIT,
        sourceWalletId: FUNDING_WALLET_ID,
        destinationWalletId: wallet.id,
        legs: [
          { account: wallet, amount },
          { account: FUNDING_ACCOUNT, amount: amount.negated() },
        ],
      });
      return credit;
    });
  }

  /**
   * Moves `amount` from the caller's wallet to `destinationId`. Checks run in
   * the contract's order: own wallet (422), caller has no wallet (404),
   * insufficient available funds (400), destination missing (404). Available
   * is the balance less active holds, read under the wallet's lock.
   */
  transfer(userId: string, destinationId: string, amount: Money): Promise<Operation> {
    return this.unitOfWork.run(async () => {
      const locked = await this.wallets.lockForUser(userId, destinationId);
      const source = payerOf(locked, userId, destinationId);
      const reserved = await this.reservations.reservedOn(source);
      if (!this.balances.canPay(source, amount, reserved)) throw new InsufficientFundsError();
      const destination = payeeOf(locked, destinationId);
      const [debit] = await this.posting.post({
        type: EntryType.TRANSFER,
        sourceWalletId: source.id,
        destinationWalletId: destination.id,
        legs: [
          { account: source, amount: amount.negated() },
          { account: destination, amount },
        ],
      });
      return debit;
    });
  }
}
