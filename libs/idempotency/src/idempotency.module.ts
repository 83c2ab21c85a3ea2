import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { IdempotencyKeyCleaner } from './persistence/idempotency-key.cleaner';
import { IdempotencyKey } from './persistence/idempotency-key.entity';
import { IdempotencyKeyRepository } from './persistence/idempotency-key.repository';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { IdempotencyService } from './application/idempotency.service';

/** Provides the interceptor; the composition root registers it as APP_INTERCEPTOR. */
@Module({
  imports: [MikroOrmModule.forFeature([IdempotencyKey])],
  providers: [IdempotencyKeyRepository, IdempotencyService, IdempotencyInterceptor, IdempotencyKeyCleaner],
  exports: [IdempotencyInterceptor, IdempotencyKeyCleaner, IdempotencyService],
})
export class IdempotencyModule {}
