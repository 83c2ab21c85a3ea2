import { Module } from '@nestjs/common';
import { WalletsModule } from '@app/wallets';
import { TransfersService } from './application/transfers.service';
import { TransfersController } from './http/transfers.controller';

@Module({
  imports: [WalletsModule],
  controllers: [TransfersController],
  providers: [TransfersService],
  exports: [TransfersService],
})
export class TransfersModule {}
