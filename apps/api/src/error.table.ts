import { ADMIN_ERRORS } from '@app/admin';
import { AUTH_ERRORS } from '@app/auth';
import { type ErrorSpec, type ErrorTranslator, HTTP_ERRORS, mergeErrorTables } from '@app/http';
import { IDEMPOTENCY_ERRORS } from '@app/idempotency';
import { LEDGER_ERRORS } from '@app/ledger';
import { conflictNotRetried, databaseUnavailable, type PersistenceErrorCode, refusedValue } from '@app/persistence';
import { TRANSFERS_ERRORS } from '@app/transfers';
import { WALLETS_ERRORS } from '@app/wallets';

/** libs/persistence knows no HTTP: its codes get their specs here. */
const PERSISTENCE_ERRORS = {
  // Bounded retries met conflicts every time; nothing was posted, so the client may retry.
  CONCURRENT_CONFLICT: { status: 409, code: 'CONFLICT' },
  // The database is away or stalled (contract part B, "When the database is away"): nothing was committed
  // by the request, which may be sent again (with its Idempotency-Key) after a short while.
  SERVICE_UNAVAILABLE: { status: 503, code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 2 },
  // PostgreSQL refused a value of the request (SQLSTATE class 22): the validation's safety net, never a 503 or a 500.
  UNPROCESSABLE_VALUE: { status: 422, code: 'UNPROCESSABLE_ENTITY', bindsNoIdempotencyKey: true },
} satisfies Record<PersistenceErrorCode, ErrorSpec>;

/**
 * Errors lower layers raise in their own terms, translated into the
 * DomainError they mean before the table is read: a lost or refused database
 * connection, or a pool timeout, answers 503 rather than 500; a value
 * PostgreSQL refused (SQLSTATE class 22) answers 422; a lock wait that ran
 * out where nothing retries it (a read) answers 409, as after the retries.
 */
export const ERROR_TRANSLATION: readonly ErrorTranslator[] = [refusedValue, databaseUnavailable, conflictNotRetried];

/**
 * Every DomainError code the API can raise, with its status and envelope
 * code: the one mapping from code to HTTP (provided through ErrorTableModule
 * to the exception filter, the pre-routing middleware, idempotency and the
 * OpenAPI document's `reason` enum). A feature adds a code to its union and
 * to its own table; a new feature's table is added to this list.
 */
export const ERRORS = mergeErrorTables(
  HTTP_ERRORS,
  IDEMPOTENCY_ERRORS,
  PERSISTENCE_ERRORS,
  AUTH_ERRORS,
  WALLETS_ERRORS,
  LEDGER_ERRORS,
  TRANSFERS_ERRORS,
  ADMIN_ERRORS,
);

export type DomainErrorReason = keyof typeof ERRORS;
