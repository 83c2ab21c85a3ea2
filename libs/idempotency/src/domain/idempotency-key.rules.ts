/** The request header that carries the key; also the `target` of the key's errors. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** 1..255 printable ASCII characters (space to tilde). */
export function isValidIdempotencyKey(key: string): boolean {
  return /^[\x20-\x7e]{1,255}$/.test(key);
}
