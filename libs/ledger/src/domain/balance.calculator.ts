import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { BalanceLimitExceededError, InsufficientFundsError } from './ledger.errors';
import { type LedgerAccount, WalletKind } from './ledger-account';

/** numeric(20,2) holds 18 integer digits. */
const MAX_BALANCE = Money.of('999999999999999999.99');

/**
 * The one place that knows how a balance is made: a user wallet's balance is
 * the running sum of its operations, each operation storing the balance after
 * it; it never goes below zero. System wallets keep no running balance (their
 * balance is the sum of their operations, derived on read).
 */
@Injectable()
export class BalanceCalculator {
  /** The balance after applying `amount` (signed) to the account, or an error if not allowed. */
  next(account: LedgerAccount, amount: Money): Money | null {
    if (account.kind === WalletKind.SYSTEM) return null;
    const current = account.balance ?? Money.ZERO;
    const next = current.plus(amount);
    if (next.isNegative()) throw new InsufficientFundsError();
    if (next.greaterThan(MAX_BALANCE)) throw new BalanceLimitExceededError();
    return next;
  }

  /** What a user wallet may spend: its balance less the money its active holds reserve. */
  available(account: LedgerAccount, reserved: Money): Money {
    return (account.balance ?? Money.ZERO).minus(reserved);
  }

  /** Whether the account can pay `amount` now, out of its available balance. */
  canPay(account: LedgerAccount, amount: Money, reserved: Money = Money.ZERO): boolean {
    return account.kind === WalletKind.SYSTEM || !this.available(account, reserved).lessThan(amount);
  }
}
