import { ALL_FIELDS } from '@app/errors';
import { type BalanceCalculator, InsufficientFundsError, type LedgerAccount, WalletFrozenError } from '@app/ledger';
import type { Money } from '@app/money';
import { WalletNotFoundError, type LockedWallet } from '@app/wallets';
import { DestinationWalletNotFoundError, SameWalletTransferError } from './transfers.errors';

/**
 * The caller's own wallet (`own`, as locked; undefined when the caller has
 * none) as the payer of a payment to `destinationId`: the destination is not
 * the caller's own wallet (422), the caller has a wallet (404). The rest of
 * the checks are `checkPayment`'s.
 */
export function payerOf(own: LockedWallet | undefined, destinationId: string): LockedWallet {
  if (own?.id === destinationId) throw new SameWalletTransferError();
  if (!own) throw new WalletNotFoundError();
  return own;
}

export interface PaymentCheck {
  payer: LedgerAccount;
  /** Undefined when the destination wallet does not exist. */
  payee: LedgerAccount | undefined;
  amount: Money;
  /** What the payer's active holds reserve (a capture leaves out its own hold). */
  reserved: Money;
  /**
   * How the request named the payee, for a refusal that names it: by its
   * `destination` field (a transfer, a hold), the refusal's target; as the
   * caller's `own` wallet (a deposit); absent, as the other side of a
   * transfer or hold that exists already (a capture, a reversal), which no
   * field of the request names (target `__all__`).
   */
  payeeNamedBy?: 'destination' | 'own';
  /**
   * Which side is the caller's own wallet, for a refusal worded to them: the
   * payer (a transfer, a hold, a capture) or the payee (a deposit). Absent: a
   * movement an operator posts (a reversal), whose refusals name the wallets.
   */
  caller?: 'payer' | 'payee';
  /**
   * An operator's correction (a reversal): a freeze stops the wallet's user,
   * not the operator, so frozen wallets neither refuse it (a claw-back).
   */
  byOperator?: boolean;
  /** How the payer is named when it cannot pay (e.g. "the payee's wallet"): the refusal then says what it has. */
  payerPart?: string;
}

/**
 * The checks of every movement of money between two wallets, under their
 * locks, in the contract's order: the payer is not frozen (403), it can pay
 * out of its available balance (400), the destination exists (404) and is
 * not frozen (403). An operator's correction skips both frozen checks.
 * Returns the payee.
 */
export function checkPayment(payment: PaymentCheck, balances: BalanceCalculator): LedgerAccount {
  const { payer, payee, amount, reserved, payeeNamedBy, caller, byOperator, payerPart } = payment;
  if (payer.frozen && !byOperator) throw new WalletFrozenError(payer.id, caller === 'payer' ? 'own' : 'payer');
  if (!balances.canPay(payer, amount, reserved)) {
    if (!payerPart) throw new InsufficientFundsError();
    const available = balances.available(payer, reserved);
    throw new InsufficientFundsError(
      `Insufficient funds: ${payerPart} ${payer.id} has ${available.toFixed()} available; the reversal needs ${amount.toFixed()}.`,
    );
  }
  if (!payee) throw new DestinationWalletNotFoundError();
  if (payee.frozen && !byOperator) {
    const side = caller === 'payee' ? 'own' : caller === 'payer' ? 'destination' : 'payee';
    throw new WalletFrozenError(payee.id, side, payeeNamedBy === 'destination' ? 'destination' : ALL_FIELDS);
  }
  return payee;
}
