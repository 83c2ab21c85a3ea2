import { DomainError } from '@app/errors';
import type { Money } from '@app/money';

/** Codes of the failures transfers and holds raise; each has its HTTP spec in http/transfers-error.table.ts. */
export type TransfersErrorCode =
  | 'DESTINATION_WALLET_NOT_FOUND'
  | 'SAME_WALLET_TRANSFER'
  | 'HOLD_NOT_FOUND'
  | 'HOLD_FORBIDDEN'
  | 'HOLD_ALREADY_RESOLVED'
  | 'HOLD_EXPIRED'
  | 'CAPTURE_EXCEEDS_HOLD'
  | 'TRANSFER_NOT_FOUND'
  | 'NOT_REVERSIBLE'
  | 'ALREADY_REVERSED'
  | 'REVERSAL_EXCEEDS_REMAINING';

export class DestinationWalletNotFoundError extends DomainError<TransfersErrorCode> {
  readonly code = 'DESTINATION_WALLET_NOT_FOUND';
  constructor() {
    super('Destination wallet does not exist.', 'destination');
  }
}

export class SameWalletTransferError extends DomainError<TransfersErrorCode> {
  readonly code = 'SAME_WALLET_TRANSFER';
  constructor() {
    super('Destination must be another wallet than your own.', 'destination');
  }
}

export class HoldNotFoundError extends DomainError<TransfersErrorCode> {
  readonly code = 'HOLD_NOT_FOUND';
  constructor() {
    super('Hold does not exist.');
  }
}

export class HoldForbiddenError extends DomainError<TransfersErrorCode> {
  readonly code = 'HOLD_FORBIDDEN';
  constructor() {
    super('Only the owner of the paying wallet may capture or void this hold.');
  }
}

export class HoldResolvedError extends DomainError<TransfersErrorCode> {
  readonly code = 'HOLD_ALREADY_RESOLVED';
  constructor(status: string) {
    super(`Hold was already ${status.toLowerCase()}.`);
  }
}

export class HoldExpiredError extends DomainError<TransfersErrorCode> {
  readonly code = 'HOLD_EXPIRED';
  constructor() {
    super('Hold has expired.');
  }
}

export class CaptureExceedsHoldError extends DomainError<TransfersErrorCode> {
  readonly code = 'CAPTURE_EXCEEDS_HOLD';
  constructor() {
    super('Must not exceed the held amount.', 'amount');
  }
}

export class TransferNotFoundError extends DomainError<TransfersErrorCode> {
  readonly code = 'TRANSFER_NOT_FOUND';
  constructor() {
    super('Transfer does not exist.');
  }
}

/** Transfers and deposits are reversed; a reversal is not (post a new transfer instead). */
export class NotReversibleError extends DomainError<TransfersErrorCode> {
  readonly code = 'NOT_REVERSIBLE';
  constructor(type: string) {
    super(`A ${type.toLowerCase()} cannot be reversed; only transfers and deposits can.`);
  }
}

/** Nothing is left to reverse: the entry's reversals add up to its whole amount. */
export class AlreadyReversedError extends DomainError<TransfersErrorCode> {
  readonly code = 'ALREADY_REVERSED';
  constructor(type: string) {
    super(`This ${type.toLowerCase()} was already reversed.`);
  }
}

/** A partial reversal asked for more than what is left of the entry. */
export class ReversalExceedsRemainingError extends DomainError<TransfersErrorCode> {
  readonly code = 'REVERSAL_EXCEEDS_REMAINING';
  constructor(type: string, remaining: Money, amount: Money) {
    super(`Only ${remaining.toFixed()} of this ${type.toLowerCase()}'s ${amount.toFixed()} is left to reverse.`, 'amount');
  }
}
