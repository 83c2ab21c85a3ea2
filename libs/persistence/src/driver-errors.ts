import { ConnectionException, DeadlockException, DriverException, LockWaitTimeoutException } from '@mikro-orm/core';
import { DomainError } from '@app/errors';
import type { PersistenceErrorCode } from './persistence.errors';

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

/**
 * SQLSTATEs that mean the server is going away, not taking connections, or
 * not a writable primary right now (besides class 08):
 * - 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now
 *   (starting up, shutting down, in recovery with hot standby off);
 * - 53300 too many connections;
 * - 25006 read_only_sql_transaction: a write on a server that only reads
 *   right now, a hot standby ("cannot execute INSERT in a read-only
 *   transaction", "cannot execute ... during recovery") or a primary being
 *   switched over (pg_auto_failover sets default_transaction_read_only while
 *   a node changes role). This code only writes in read-write transactions,
 *   so on the primary it would never see 25006.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '25006']);
/**
 * A hot standby refuses a few things with a code of no class of its own:
 * "cannot set transaction read-write mode during recovery" (0A000) and
 * "cannot assign TransactionIds during recovery" (XX000, an elog). Only with
 * "during recovery" in the message: 0A000 and XX000 are otherwise defects.
 */
const DURING_RECOVERY = /during recovery/;
const RECOVERY_SQLSTATES = new Set(['0A000', 'XX000']);
/** Socket errors of a connection that was refused, reset or timed out. */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * What node-postgres, pg-pool and knex say when a connection is lost, cannot
 * be made in time, or a pool has no connection to give in time. They carry no
 * code, so the text is what tells them apart.
 */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated', // pg: the server closed the socket (restart, pg_terminate_backend, connect timeout)
  'Query read timeout', // pg: query_timeout, the server stopped answering
  'timeout exceeded when trying to connect', // pg-pool: connectionTimeoutMillis
  'Client has encountered a connection error and is not queryable', // pg: a query on a connection already lost
  'Knex: Timeout acquiring a connection', // knex: acquireTimeoutMillis (the pool is full and nothing came back)
  // knex: the transaction's connection was lost and knex ended the transaction; the unit of work's next query
  // meets this (this code issues no query after its own commit or rollback).
  'Transaction query already complete',
].map((text) => new RegExp(`(?:^| - )${text}`)); // knex prefixes a failed query's message with its SQL and " - "

/**
 * The database is away, not answering in time or not a writable primary:
 * refused, reset or terminated connections, an administrator or crash
 * shutdown, a server still starting, a pool that gave no connection in time,
 * a server that only reads right now (a standby, a primary during a
 * failover). Such a failure says
 * nothing about the request: nothing was committed by it (a unit of work is
 * one transaction), and the client may retry it (with its Idempotency-Key,
 * which makes even a lost commit acknowledgement safe).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && typeof cause === 'object' && depth < 5; depth++) {
    // The server answered, on a connection that stays usable: about the request's values, not the database.
    if (refusesValue(cause)) return false;
    if (cause instanceof ConnectionException) return true;
    const { code, message, name } = cause as { code?: unknown; message?: unknown; name?: unknown };
    if (
      typeof code === 'string' &&
      (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code))
    ) {
      return true;
    }
    if (
      typeof code === 'string' &&
      RECOVERY_SQLSTATES.has(code) &&
      typeof message === 'string' &&
      DURING_RECOVERY.test(message)
    ) {
      return true;
    }
    if (name === 'KnexTimeoutError') return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    cause = (cause as { cause?: unknown; previous?: unknown }).cause ?? (cause as { previous?: unknown }).previous;
  }
  return false;
}

/** Waits that ran out (connect, acquire, a query's answer), as opposed to a connection found dead or refused. */
const TIMEOUT_MESSAGES = [
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
  'Knex: Timeout acquiring a connection',
].map((text) => new RegExp(`(?:^| - )${text}`));

/**
 * The database is unavailable (isDatabaseUnavailable) and no wait ran out on
 * the way: a connection refused, reset, terminated or found dead, a server
 * shutting down or starting. What may be tried once more at once, where that
 * is safe (see UnitOfWork.run), without doubling the time a client waits
 * for its answer: after a timeout the answer is 503 at once.
 */
export function isConnectionLost(error: unknown): boolean {
  if (!isDatabaseUnavailable(error)) return false;
  for (let cause = error, depth = 0; cause && typeof cause === 'object' && depth < 5; depth++) {
    const { code, message, name } = cause as { code?: unknown; message?: unknown; name?: unknown };
    if (name === 'KnexTimeoutError' || code === 'ETIMEDOUT') return false;
    if (typeof message === 'string' && TIMEOUT_MESSAGES.some((pattern) => pattern.test(message))) return false;
    cause = (cause as { cause?: unknown; previous?: unknown }).cause ?? (cause as { previous?: unknown }).previous;
  }
  return true;
}

/**
 * PostgreSQL refused a value the request carried: SQLSTATE class 22 (data
 * exception: 22021 a byte sequence or NUL text cannot hold, 22P02 text that
 * is no uuid or number, 22003 a number out of range, 22007/22008 a datetime
 * it cannot read, 22001 a string too long, ...), or 08P01 (protocol
 * violation) answered at severity ERROR. The latter is what a NUL inside a
 * statement's text gets: MikroORM writes the parameters into the SQL, and
 * the protocol's query string ends at its first NUL, so the server reads a
 * malformed message, refuses it and goes on serving the connection. Neither
 * says anything about the database being away (class 08 otherwise does);
 * the request validation refuses such values first, this is the safety net.
 */
export function isRefusedValue(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && typeof cause === 'object' && depth < 5; depth++) {
    if (refusesValue(cause)) return true;
    cause = (cause as { cause?: unknown; previous?: unknown }).cause ?? (cause as { previous?: unknown }).previous;
  }
  return false;
}

function refusesValue(cause: object): boolean {
  const { code, severity } = cause as { code?: unknown; severity?: unknown };
  if (typeof code !== 'string') return false;
  return /^22[0-9A-Z]{3}$/.test(code) || (code === '08P01' && severity === 'ERROR');
}

/** The client gets 422 UNPROCESSABLE_ENTITY on the request as a whole, never the driver's message. */
export class RefusedValueError extends DomainError<PersistenceErrorCode> {
  readonly code = 'UNPROCESSABLE_VALUE';
  constructor(cause: unknown) {
    super('The request holds a value the service cannot store or compare.');
    this.cause = cause; // kept for logs, never sent
  }
}

/** The translation of a refused value into RefusedValueError; undefined for any other error. */
export function refusedValue(error: unknown): RefusedValueError | undefined {
  if (error instanceof RefusedValueError) return error;
  return isRefusedValue(error) ? new RefusedValueError(error) : undefined;
}

/** The client gets 503 SERVICE_UNAVAILABLE with Retry-After, never the driver's message. */
export class DatabaseUnavailableError extends DomainError<PersistenceErrorCode> {
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(cause: unknown) {
    super('The service cannot reach its database right now; retry shortly (with the same Idempotency-Key).');
    this.cause = cause; // kept for logs, never sent
  }
}

/** The translation of a connection failure into DatabaseUnavailableError; undefined for any other error. */
export function databaseUnavailable(error: unknown): DatabaseUnavailableError | undefined {
  if (error instanceof DatabaseUnavailableError) return error;
  return isDatabaseUnavailable(error) ? new DatabaseUnavailableError(error) : undefined;
}
