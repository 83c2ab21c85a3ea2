export { TransfersModule } from './transfers.module';
export { MoneyMovements, MoneyMovementsObserver, type Answer, type Submission } from './application/money-movements';
export type { CommandOf, Reversal } from './application/money-commands';
export { HoldsService } from './application/holds.service';
export { HoldExpirySweeper } from './application/hold-expiry.sweeper';
export {
  DestinationWalletNotFoundError,
  SameWalletTransferError,
  TransferNotFoundError,
  HoldNotFoundError,
  type TransfersErrorCode,
} from './domain/transfers.errors';
export { TRANSFERS_ERRORS } from './http/transfers-error.table';
