import { Injectable } from '@nestjs/common';
import {
  BalanceService,
  EntryType,
  FUNDING_WALLET_ID,
  JournalRepository,
  type LedgerAccount,
  type Operation,
  WalletKind,
} from '@app/ledger';
import { Money } from '@app/money';
import { constraintName, UnitOfWork } from '@app/persistence';
import { WalletNotFoundError, WalletRepository } from '@app/wallets';
import { payerOf } from '../domain/payment.rules';
import { AlreadyReversedError, NotReversibleError, TransferNotFoundError } from '../domain/transfers.errors';
import { PaymentsService } from './payments.service';

/** The funding wallet as the ledger sees it: a system account, never locked, never updated, never frozen. */
const FUNDING_ACCOUNT: LedgerAccount = {
  id: FUNDING_WALLET_ID,
  kind: WalletKind.SYSTEM,
  balance: null,
  lastSequence: null,
  pendingHolds: 0,
  chainHead: null,
  frozen: false,
};

export interface Reversal {
  /** The REVERSAL journal entry. */
  id: string;
  reverses: string;
  /** Its legs: the original payee's debit first, then the original payer's credit. */
  operations: Operation[];
}

/**
 * The money-moving use cases. Each is one unit of work: lock the user
 * wallets involved, read their balances under the lock, take the one payment
 * path (checks, one balanced journal entry), commit. A deadlock,
 * serialization failure or lock timeout rolls the whole attempt back and it
 * runs again (bounded; see UnitOfWork).
 */
@Injectable()
export class TransfersService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly wallets: WalletRepository,
    private readonly journal: JournalRepository,
    private readonly payments: PaymentsService,
    private readonly reservations: BalanceService,
  ) {}

  /**
   * Credits the user's wallet and debits the funding wallet. Only the user's
   * wallet is locked: the funding wallet keeps no running balance, so
   * deposits of different users never wait on each other.
   */
  deposit(userId: string, amount: Money): Promise<Operation> {
    return this.unitOfWork.run(async () => {
      const { wallets, now } = await this.wallets.lockForUser(userId);
      const [wallet] = wallets;
      if (!wallet) throw new WalletNotFoundError();
      const [, credit] = await this.payments.pay({
        type: EntryType.DEPOSIT,
        payer: FUNDING_ACCOUNT,
        payee: wallet,
        amount,
        reserved: Money.ZERO,
        at: now!,
      });
      return credit;
    });
  }

  /**
   * Moves `amount` from the caller's wallet to `destinationId`. Checks run in
   * the contract's order: own wallet (422), caller has no wallet (404), then
   * the payment's (frozen 403, insufficient available funds 400, destination
   * missing 404, destination frozen 403). Available is the balance less
   * active holds, read under the wallet's lock.
   */
  transfer(userId: string, destinationId: string, amount: Money): Promise<Operation> {
    return this.unitOfWork.run(async () => {
      const { wallets, now } = await this.wallets.lockForUser(userId, destinationId);
      const payer = payerOf(wallets, userId, destinationId);
      const [debit] = await this.payments.pay({
        type: EntryType.TRANSFER,
        payer,
        payee: wallets.find((wallet) => wallet.id === destinationId),
        amount,
        reserved: await this.reservations.reservedOn(payer),
        at: now!,
      });
      return debit;
    });
  }

  /**
   * Posts a REVERSAL: the transfer's amount moves back from its payee to its
   * payer, through the same path, locks and checks as a transfer (the payee
   * must still hold the money; neither wallet may be frozen). At most once per
   * transfer: the unique index on journal_entries.reverses_id decides. The
   * reads before it give the answer in the common case: once without locks,
   * and again under the wallets' locks (a reversal racing this one holds them
   * until it commits), so that the loser of a race hears "already reversed"
   * rather than the funds check its winner made fail.
   */
  reverse(entryId: string): Promise<Reversal> {
    return this.unitOfWork.run(async () => {
      const entry = await this.journal.findEntry(entryId);
      if (!entry) throw new TransferNotFoundError();
      if (entry.type !== EntryType.TRANSFER) throw new NotReversibleError(entry.type);
      if (entry.reversedBy) throw new AlreadyReversedError();
      const { wallets, now } = await this.wallets.lockByIds([entry.sourceWalletId, entry.destinationWalletId]);
      if (await this.journal.reversalOf(entry.id)) throw new AlreadyReversedError();
      const payer = wallets.find((wallet) => wallet.id === entry.destinationWalletId)!;
      try {
        const operations = await this.payments.pay({
          type: EntryType.REVERSAL,
          payer,
          payee: wallets.find((wallet) => wallet.id === entry.sourceWalletId),
          amount: entry.amount,
          reserved: await this.reservations.reservedOn(payer),
          at: now!,
          reverses: entry.id,
        });
        return { id: operations[0].transferId, reverses: entry.id, operations };
      } catch (error) {
        if (constraintName(error) === 'journal_entries_reverses_id_unique') throw new AlreadyReversedError();
        throw error;
      }
    });
  }
}
