/**
 * Base of every error a feature raises on purpose. `code` is stable and
 * SCREAMING_SNAKE, one of the feature's own union of codes (`C`, required: a
 * class cannot opt out of its feature's union and hence its table); the HTTP
 * status for a code is decided by the feature's error table in its HTTP layer,
 * merged once by the composition root, never where the error is thrown.
 * `target` names the request field the error is about, or `__all__`.
 */
export abstract class DomainError<C extends string> extends Error {
  abstract readonly code: C;

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
