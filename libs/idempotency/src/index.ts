export { IdempotencyKeysModule, IdempotencyModule } from './idempotency.module';
export { Idempotent } from './http/idempotent.decorator';
export { KeyedBy } from './http/keyed-by.decorator';
export { REPLAYED_HEADER } from './http/idempotency.interceptor';
export { IdempotencyObserver } from './application/idempotency.observer';
export { IDEMPOTENCY_ERRORS } from './http/idempotency-error.table';
export { IDEMPOTENCY_HEADER } from './domain/idempotency-key.rules';
export { type IdempotencyErrorCode } from './domain/idempotency.errors';
export { IdempotencyKeyCleaner } from './persistence/idempotency-key.cleaner';
export { IdempotencyKey } from './persistence/idempotency-key.entity';
export { IdempotencyService } from './application/idempotency.service';
export {
  ClaimedKeys,
  Replay,
  type KeyedRequest,
  type IdempotencyRefusal,
  type RecordableAnswer,
  type Settled,
} from './application/claimed-keys';
