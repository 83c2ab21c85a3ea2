import type { DomainError } from '@app/errors';
import type { ErrorCode } from './envelope';

/** What a DomainError's code means on the wire. */
export interface ErrorSpec {
  status: number;
  /** The envelope's code (contract part A); the error's own code goes out as `reason`. */
  code: ErrorCode;
  /**
   * The failure binds no Idempotency-Key: the request itself was invalid
   * (nothing was attempted) or the key is the problem, so the key stays free
   * and nothing is recorded under it.
   */
  bindsNoIdempotencyKey?: true;
  /** Sent as the `Retry-After` header (seconds): the failure is temporary and the request may be sent again. */
  retryAfterSeconds?: number;
}

/**
 * Turns an error a lower layer raised in its own terms (a driver's lost
 * connection, a pool's timeout) into the DomainError it means, or undefined.
 * The composition root lists them beside the tables (ErrorTableModule), so
 * that such an error answers by the table like any other, never as a 500.
 */
export type ErrorTranslator = (error: unknown) => DomainError<string> | undefined;

/** DI token of the composition root's ErrorTranslators (see ErrorTableModule). */
export const ERROR_TRANSLATORS = Symbol('ERROR_TRANSLATORS');

/**
 * Every code of every feature with its spec: the features' tables merged by
 * the composition root (`mergeErrorTables`) and provided under ERROR_TABLE.
 * A code missing here answers 500.
 */
export type ErrorTable = Readonly<Record<string, ErrorSpec | undefined>>;

/** DI token of the merged ErrorTable (see ErrorTableModule). */
export const ERROR_TABLE = Symbol('ERROR_TABLE');

type KeysOf<T> = T extends unknown ? keyof T : never;

/**
 * One table out of the features' tables (each written `satisfies
 * Record<FeatureErrorCode, ErrorSpec>`, so a code without a spec fails the
 * type check). Two features claiming the same code is a programming error
 * caught at boot.
 */
export function mergeErrorTables<T extends readonly Readonly<Record<string, ErrorSpec>>[]>(
  ...tables: T
): Readonly<Record<KeysOf<T[number]> & string, ErrorSpec>> {
  const merged: Record<string, ErrorSpec> = {};
  for (const table of tables) {
    for (const [code, spec] of Object.entries(table)) {
      if (code in merged) throw new Error(`Error code ${code} is claimed by two error tables`);
      merged[code] = spec;
    }
  }
  return merged as Record<KeysOf<T[number]> & string, ErrorSpec>;
}

/** The codes libs/http itself raises. */
export type HttpErrorCode =
  | 'REQUEST_VALIDATION_FAILED'
  | 'INVALID_JSON_BODY'
  | 'JSON_TOO_DEEP'
  | 'MALFORMED_BODY_ENCODING'
  | 'UNSUPPORTED_CONTENT_TYPE';

export const HTTP_ERRORS = {
  REQUEST_VALIDATION_FAILED: { status: 422, code: 'UNPROCESSABLE_ENTITY', bindsNoIdempotencyKey: true },
  // The original answered a body that is not JSON with 422 and code BAD_REQUEST.
  INVALID_JSON_BODY: { status: 422, code: 'BAD_REQUEST', bindsNoIdempotencyKey: true },
  JSON_TOO_DEEP: { status: 422, code: 'BAD_REQUEST', bindsNoIdempotencyKey: true },
  MALFORMED_BODY_ENCODING: { status: 400, code: 'BAD_REQUEST', bindsNoIdempotencyKey: true },
  UNSUPPORTED_CONTENT_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', bindsNoIdempotencyKey: true },
} satisfies Record<HttpErrorCode, ErrorSpec>;
