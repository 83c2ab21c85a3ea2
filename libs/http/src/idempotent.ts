import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import { JsonNumber } from './json-body.parser';

export const IDEMPOTENT_ROUTE = 'http:idempotent';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * Marks a money-moving route: it accepts an `Idempotency-Key` header, and the
 * idempotency interceptor (libs/idempotency) makes a repeated request replay
 * the first answer instead of posting again.
 */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_ROUTE, true),
    ApiHeader({
      name: IDEMPOTENCY_HEADER,
      required: false,
      description:
        '1..255 printable ASCII characters, scoped to the caller. Same key and same body: the first answer is replayed ' +
        '(header Idempotent-Replayed: true) and nothing new is posted, across restarts and instances. Same key, other ' +
        'body: 422. Same key while the first request runs: waits for it, then replays. Keys are kept 24 hours.',
    }),
  );

/** 1..255 printable ASCII characters (space to tilde). */
export function isValidIdempotencyKey(key: string): boolean {
  return /^[\x20-\x7e]{1,255}$/.test(key);
}

/**
 * What makes two requests "the same": method, path and the body's canonical
 * JSON (keys sorted, numbers as written), so that a retry that re-serialises
 * the same body still matches.
 */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
