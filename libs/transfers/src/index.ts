export { TransfersModule } from './transfers.module';
export { TransfersService } from './application/transfers.service';
export { HoldsService } from './application/holds.service';
export {
  DestinationWalletNotFoundError,
  SameWalletTransferError,
  type TransfersErrorCode,
} from './domain/transfers.errors';
export { TRANSFERS_ERRORS } from './http/transfers-error.table';
