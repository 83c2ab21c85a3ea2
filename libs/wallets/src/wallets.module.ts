import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { LedgerModule } from '@app/ledger';
import { WalletsService } from './application/wallets.service';
import { Wallet } from './domain/wallet.entity';
import { WalletsController } from './http/wallets.controller';
import { WalletRepository } from './persistence/wallet.repository';

@Module({
  imports: [MikroOrmModule.forFeature([Wallet]), LedgerModule],
  controllers: [WalletsController],
  providers: [WalletsService, WalletRepository],
  exports: [WalletsService, WalletRepository, LedgerModule],
})
export class WalletsModule {}
