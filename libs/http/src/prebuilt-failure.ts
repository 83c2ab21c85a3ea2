import type { Envelope } from './envelope';

/**
 * A failure whose answer was made before (such as one replayed under an
 * Idempotency-Key): thrown so that it travels the error path, and sent as it
 * is, status and envelope, without being mapped again.
 */
export class PrebuiltFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: Envelope<never>,
  ) {
    super(`prebuilt ${status} answer`);
  }
}
