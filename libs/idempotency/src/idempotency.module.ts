import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { IdempotencyKeyCleaner } from './persistence/idempotency-key.cleaner';
import { IdempotencyKey } from './persistence/idempotency-key.entity';
import { IdempotencyKeyRepository } from './persistence/idempotency-key.repository';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { IdempotencyService } from './application/idempotency.service';

/**
 * The keys: claimed and answered by whoever owns the transaction (the
 * interceptor, or the money movements' group commit). No HTTP: the command
 * line's processes may load it through the features.
 */
@Module({
  imports: [MikroOrmModule.forFeature([IdempotencyKey])],
  providers: [IdempotencyKeyRepository, IdempotencyService],
  exports: [IdempotencyService],
})
export class IdempotencyKeysModule {}

/** For the API: the interceptor (the composition root binds it to @Idempotent() routes) and the expired-key cleaner. */
@Module({
  imports: [IdempotencyKeysModule],
  providers: [IdempotencyInterceptor, IdempotencyKeyCleaner],
  exports: [IdempotencyInterceptor, IdempotencyKeyCleaner],
})
export class IdempotencyModule {}
