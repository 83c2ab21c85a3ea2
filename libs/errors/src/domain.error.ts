/**
 * Base of every error a feature raises on purpose. `code` is stable and
 * SCREAMING_SNAKE; the HTTP status for a code is decided in one table in the
 * HTTP layer (libs/http), never where the error is thrown. `target` names the
 * request field the error is about, or `__all__`.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(
    message: string,
    readonly target: string = ALL_FIELDS,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The envelope's target for an error about the request as a whole. */
export const ALL_FIELDS = '__all__';
