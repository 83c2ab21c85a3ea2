import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { IdempotencyKeyCleaner } from './persistence/idempotency-key.cleaner';
import { IdempotencyKey } from './persistence/idempotency-key.entity';
import { IdempotencyKeyRepository } from './persistence/idempotency-key.repository';
import { IdempotencyService } from './application/idempotency.service';

/**
 * The keys: claimed and answered by the use case that owns the transaction
 * (the money movements' group commit, the admin freeze). Imported by the
 * modules whose controllers have @Idempotent() routes (Nest makes the route's
 * IdempotencyInterceptor there). No HTTP: the command line's processes may
 * load it through the features.
 */
@Module({
  imports: [MikroOrmModule.forFeature([IdempotencyKey])],
  providers: [IdempotencyKeyRepository, IdempotencyService],
  exports: [IdempotencyService],
})
export class IdempotencyKeysModule {}

/** For the API: the expired-key cleaner. */
@Module({
  imports: [IdempotencyKeysModule],
  providers: [IdempotencyKeyCleaner],
  exports: [IdempotencyKeyCleaner],
})
export class IdempotencyModule {}
