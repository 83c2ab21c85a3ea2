import { ALL_FIELDS } from '@app/errors';
import type { DocumentedFailure } from '@app/http';
import { DESTINATION_WALLET_FROZEN, YOUR_WALLET_FROZEN } from '../domain/ledger.errors';

/**
 * WALLET_FROZEN as the OpenAPI document shows it on every route that can
 * answer it (ApiErrors): the caller's own wallet is frozen (it pays, or a
 * deposit credits it).
 */
export const OWN_WALLET_FROZEN: DocumentedFailure = {
  status: 403,
  name: 'WALLET_FROZEN',
  description:
    "The caller's wallet is frozen by an operator: it can neither send nor receive money until support unfreezes it " +
    '(reason WALLET_FROZEN); nothing was done',
  error: { code: 'FORBIDDEN', message: YOUR_WALLET_FROZEN, target: ALL_FIELDS, reason: 'WALLET_FROZEN' },
};

/** WALLET_FROZEN on the wallet the caller pays: `target` is the field that named it (`destination`), else `__all__`. */
export function destinationWalletFrozen(target: string = ALL_FIELDS): DocumentedFailure {
  return {
    status: 403,
    name: 'WALLET_FROZEN (destination)',
    description: 'The destination wallet is frozen and cannot receive money (reason WALLET_FROZEN); nothing was done',
    error: { code: 'FORBIDDEN', message: DESTINATION_WALLET_FROZEN, target, reason: 'WALLET_FROZEN' },
  };
}
