export { TransfersModule } from './transfers.module';
export { TransfersService, type Reversal } from './application/transfers.service';
export { HoldsService } from './application/holds.service';
export {
  DestinationWalletNotFoundError,
  SameWalletTransferError,
  TransferNotFoundError,
} from './domain/transfers.errors';
