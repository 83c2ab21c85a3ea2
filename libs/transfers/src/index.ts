export { TransfersModule } from './transfers.module';
export { TransfersService } from './application/transfers.service';
export { DestinationWalletNotFoundError, SameWalletTransferError } from './domain/transfers.errors';
