import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { IdempotencyKeysModule } from '@app/idempotency';
import { TransfersModule } from '@app/transfers';
import { WalletsModule } from '@app/wallets';
import { AdminService } from './application/admin.service';
import { AdminAction } from './domain/admin-action.entity';
import { AdminController } from './http/admin.controller';
import { AdminActionRepository } from './persistence/admin-action.repository';
import { AdminReadsQuery } from './persistence/admin-reads.query';

/** Operators' tools under /v1/admin/ (the auth guard requires the admin role there). */
@Module({
  imports: [MikroOrmModule.forFeature([AdminAction]), WalletsModule, TransfersModule, IdempotencyKeysModule],
  controllers: [AdminController],
  providers: [AdminService, AdminActionRepository, AdminReadsQuery],
  exports: [AdminService],
})
export class AdminModule {}
