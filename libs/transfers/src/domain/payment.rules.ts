import { WalletNotFoundError, type LockedWallet } from '@app/wallets';
import { DestinationWalletNotFoundError, SameWalletTransferError } from './transfers.errors';

/**
 * The checks of a payment (transfer or hold) in the contract's order, over
 * the wallets locked for it: the destination is not the caller's own wallet
 * (422), the caller has a wallet (404), then the caller checks the funds
 * (400), then the destination exists (404) — see `payeeOf`.
 */
export function payerOf(locked: LockedWallet[], userId: string, destinationId: string): LockedWallet {
  const payer = locked.find((wallet) => wallet.userId === userId);
  if (payer?.id === destinationId) throw new SameWalletTransferError();
  if (!payer) throw new WalletNotFoundError();
  return payer;
}

/** The destination among the locked wallets, checked after the funds. */
export function payeeOf(locked: LockedWallet[], destinationId: string): LockedWallet {
  const payee = locked.find((wallet) => wallet.id === destinationId);
  if (!payee) throw new DestinationWalletNotFoundError();
  return payee;
}
