export { TransfersModule } from './transfers.module';
export { TransfersService } from './application/transfers.service';
export { HoldsService } from './application/holds.service';
export { DestinationWalletNotFoundError, SameWalletTransferError } from './domain/transfers.errors';
