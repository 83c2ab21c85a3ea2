export { WalletsModule } from './wallets.module';
export {
  WalletsService,
  type WalletView,
  type HistoryPage,
  type HistoryQuery,
  type HistoryPosition,
} from './application/wallets.service';
export { Wallet } from './domain/wallet.entity';
export { WalletNotFoundError, type WalletsErrorCode } from './domain/wallets.errors';
export { WALLETS_ERRORS } from './http/wallets-error.table';
export { WalletRepository, type LockedWallet } from './persistence/wallet.repository';
export { OperationResponse, WalletResponse, OperationsQuery, PageMeta, cursorOf } from './http/wallet.dto';
