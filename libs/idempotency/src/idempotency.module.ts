import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { IdempotencyKeyCleaner } from './idempotency-key.cleaner';
import { IdempotencyKey } from './idempotency-key.entity';
import { IdempotencyKeyRepository } from './idempotency-key.repository';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyService } from './idempotency.service';

/** Provides the interceptor; the composition root registers it as APP_INTERCEPTOR. */
@Module({
  imports: [MikroOrmModule.forFeature([IdempotencyKey])],
  providers: [IdempotencyKeyRepository, IdempotencyService, IdempotencyInterceptor, IdempotencyKeyCleaner],
  exports: [IdempotencyInterceptor, IdempotencyKeyCleaner],
})
export class IdempotencyModule {}
