import { Module } from '@nestjs/common';
import { WalletsModule } from '@app/wallets';
import { HoldsService } from './application/holds.service';
import { TransfersService } from './application/transfers.service';
import { HoldsController } from './http/holds.controller';
import { TransfersController } from './http/transfers.controller';

@Module({
  imports: [WalletsModule],
  controllers: [TransfersController, HoldsController],
  providers: [TransfersService, HoldsService],
  exports: [TransfersService, HoldsService],
})
export class TransfersModule {}
