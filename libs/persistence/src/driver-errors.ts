import { DeadlockException, DriverException, LockWaitTimeoutException } from '@mikro-orm/core';

/**
 * The one place that reads driver errors. PostgreSQL reports a broken
 * constraint by name; features register the names they own (see
 * `constraintName`) and turn them into their own domain errors, so a client
 * never sees a database message.
 */
export function constraintName(error: unknown): string | undefined {
  if (error instanceof DriverException) {
    return (error as DriverException & { constraint?: string }).constraint;
  }
  return undefined;
}

/** The SQLSTATE of a driver error (MikroORM copies pg's `code`), if it has one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** SQLSTATE 40001 (serialization failure), 40P01 (deadlock), 55P03 (lock timeout). */
export function isTransientConflict(error: unknown): boolean {
  if (error instanceof DeadlockException || error instanceof LockWaitTimeoutException) {
    return true;
  }
  const code = (error as { code?: string } | null)?.code;
  return code === '40001' || code === '40P01' || code === '55P03';
}

/**
 * SQLSTATE 55P03: a lock wait ran past lock_timeout. MikroORM's PostgreSQL
 * converter has no mapping for it (it arrives as a plain DriverException), so
 * the code is what tells it apart.
 */
export function isLockTimeout(error: unknown): boolean {
  return error instanceof LockWaitTimeoutException || (error as { code?: string } | null)?.code === '55P03';
}
