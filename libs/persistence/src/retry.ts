import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '@app/errors';
import { isTransientConflict, sqlStateOf } from './driver-errors';
import type { PersistenceErrorCode } from './persistence.errors';

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  /** Told of each conflict that is about to be retried (metrics), with its SQLSTATE. */
  onRetry?: (sqlState: string) => void;
}

export type { PersistenceErrorCode } from './persistence.errors';

const DEFAULTS: RetryOptions = { attempts: 5, baseDelayMs: 5 };

/** Every attempt met a conflict: the client gets a clean 409 and may retry. */
export class RetriesExhaustedError extends DomainError<PersistenceErrorCode> {
  readonly code = 'CONCURRENT_CONFLICT';
  constructor(readonly lastError: unknown) {
    super('The request conflicted with concurrent requests on the same wallet; retry it.');
  }
}

/**
 * The translation of a lock timeout, deadlock or serialization failure that
 * reached the answer without a unit of work's retries (a read outside one
 * that waited past lock_timeout on a row or a table another transaction
 * held, such as a migration's): the same 409 as a conflict that outlived its
 * retries, which the client may retry, never a 500.
 */
export function conflictNotRetried(error: unknown): RetriesExhaustedError | undefined {
  if (error instanceof RetriesExhaustedError) return error;
  return isTransientConflict(error) ? new RetriesExhaustedError(error) : undefined;
}

/**
 * Runs a whole use case (its own unit of work included) again when PostgreSQL
 * aborts it with a serialization failure, a deadlock or a lock timeout. The use
 * case must be safe to repeat from the start: its transaction was rolled back,
 * so nothing of the failed attempt remains. Bounded, with jittered backoff.
 */
export async function retryOnConflict<T>(useCase: () => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  const { attempts, baseDelayMs, onRetry } = { ...DEFAULTS, ...options };
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await useCase();
    } catch (error) {
      if (!isTransientConflict(error)) throw error;
      lastError = error;
      if (attempt < attempts) {
        onRetry?.(sqlStateOf(error) ?? 'unknown');
        await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  }
  throw new RetriesExhaustedError(lastError);
}
