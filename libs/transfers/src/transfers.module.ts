import { Module } from '@nestjs/common';
import { IdempotencyKeysModule } from '@app/idempotency';
import { WalletsModule } from '@app/wallets';
import { MoneyMovements } from './application/money-movements';
import { MovementBatch } from './application/movement-batch';
import { HoldExpirySweeper } from './application/hold-expiry.sweeper';
import { HoldsService } from './application/holds.service';
import { PaymentsService } from './application/payments.service';
import { TransfersService } from './application/transfers.service';
import { HoldsController } from './http/holds.controller';
import { TransfersController } from './http/transfers.controller';

@Module({
  imports: [WalletsModule, IdempotencyKeysModule],
  controllers: [TransfersController, HoldsController],
  providers: [PaymentsService, TransfersService, HoldsService, MovementBatch, MoneyMovements, HoldExpirySweeper],
  exports: [MoneyMovements, HoldsService, HoldExpirySweeper],
})
export class TransfersModule {}
