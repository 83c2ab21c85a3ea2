import { Module } from '@nestjs/common';
import { WalletsModule } from '@app/wallets';
import { HoldExpirySweeper } from './application/hold-expiry.sweeper';
import { HoldsService } from './application/holds.service';
import { PaymentsService } from './application/payments.service';
import { TransfersService } from './application/transfers.service';
import { HoldsController } from './http/holds.controller';
import { TransfersController } from './http/transfers.controller';

@Module({
  imports: [WalletsModule],
  controllers: [TransfersController, HoldsController],
  providers: [PaymentsService, TransfersService, HoldsService, HoldExpirySweeper],
  exports: [TransfersService, HoldsService, HoldExpirySweeper],
})
export class TransfersModule {}
