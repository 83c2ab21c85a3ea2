export { TransfersModule } from './transfers.module';
export { TransfersService, type Reversal } from './application/transfers.service';
export { HoldsService } from './application/holds.service';
export { HoldExpirySweeper } from './application/hold-expiry.sweeper';
export {
  DestinationWalletNotFoundError,
  SameWalletTransferError,
  TransferNotFoundError,
  type TransfersErrorCode,
} from './domain/transfers.errors';
export { TRANSFERS_ERRORS } from './http/transfers-error.table';
