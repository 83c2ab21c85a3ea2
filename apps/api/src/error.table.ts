import { AUTH_ERRORS } from '@app/auth';
import { type ErrorSpec, HTTP_ERRORS, mergeErrorTables } from '@app/http';
import { IDEMPOTENCY_ERRORS } from '@app/idempotency';
import { LEDGER_ERRORS } from '@app/ledger';
import type { PersistenceErrorCode } from '@app/persistence';
import { TRANSFERS_ERRORS } from '@app/transfers';
import { WALLETS_ERRORS } from '@app/wallets';

/** libs/persistence knows no HTTP: its one code gets its spec here. */
const PERSISTENCE_ERRORS = {
  // Bounded retries met conflicts every time; nothing was posted, so the client may retry.
  CONCURRENT_CONFLICT: { status: 409, code: 'CONFLICT' },
} satisfies Record<PersistenceErrorCode, ErrorSpec>;

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
);

export type DomainErrorReason = keyof typeof ERRORS;
