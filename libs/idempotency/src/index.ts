export { IdempotencyModule } from './idempotency.module';
export { Idempotent } from './http/idempotent.decorator';
export { IdempotencyInterceptor, REPLAYED_HEADER } from './http/idempotency.interceptor';
export { IDEMPOTENCY_ERRORS } from './http/idempotency-error.table';
export { IDEMPOTENCY_HEADER } from './domain/idempotency-key.rules';
export { type IdempotencyErrorCode } from './domain/idempotency.errors';
export { IdempotencyKeyCleaner } from './persistence/idempotency-key.cleaner';
export { IdempotencyKey } from './persistence/idempotency-key.entity';
