import { Money } from '@app/money';
import { BalanceCalculator } from './balance.calculator';
import { type LedgerAccount, WalletKind } from './ledger-account';
import { BalanceLimitExceededError, InsufficientFundsError } from './ledger.errors';

const user = (balance: string): LedgerAccount => ({
  id: 'u',
  kind: WalletKind.USER,
  balance: Money.of(balance),
  lastSequence: 3,
  pendingHolds: 0,
  chainHead: null,
  frozen: false,
});
const system: LedgerAccount = { id: 's', kind: WalletKind.SYSTEM, balance: null, lastSequence: null,
  pendingHolds: 0,
  chainHead: null,
  frozen: false,
};

describe('BalanceCalculator', () => {
  const calculator = new BalanceCalculator();

  it('adds a signed amount exactly, without float error', () => {
    expect(calculator.next(user('0.10'), Money.of('0.20'))?.toFixed()).toBe('0.30');
    expect(calculator.next(user('100.00'), Money.of('-99.99'))?.toFixed()).toBe('0.01');
  });

  it('lets a user wallet reach exactly zero but never below', () => {
    expect(calculator.next(user('5.00'), Money.of('-5.00'))?.toFixed()).toBe('0.00');
    expect(() => calculator.next(user('5.00'), Money.of('-5.01'))).toThrow(InsufficientFundsError);
  });

  it('refuses a balance beyond what numeric(20,2) holds', () => {
    expect(() => calculator.next(user('999999999999999999.99'), Money.of('0.01'))).toThrow(BalanceLimitExceededError);
  });

  it('keeps no running balance for system wallets, which may go negative', () => {
    expect(calculator.next(system, Money.of('-1000000.00'))).toBeNull();
    expect(calculator.canPay(system, Money.of('1000000.00'))).toBe(true);
  });

  it('tells whether a user wallet can pay an amount', () => {
    expect(calculator.canPay(user('10.00'), Money.of('10.00'))).toBe(true);
    expect(calculator.canPay(user('10.00'), Money.of('10.01'))).toBe(false);
  });
});
