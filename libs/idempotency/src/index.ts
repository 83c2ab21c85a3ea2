export { IdempotencyModule } from './idempotency.module';
export { IdempotencyInterceptor, REPLAYED_HEADER } from './idempotency.interceptor';
export { IdempotencyKeyCleaner } from './idempotency-key.cleaner';
export { IdempotencyKey } from './idempotency-key.entity';
export { type IdempotencyErrorCode } from './idempotency.errors';
export { IDEMPOTENCY_ERRORS } from './idempotency-error.table';
