import { createHash } from 'node:crypto';
import { JsonNumber } from '@app/http';

/**
 * What makes two requests "the same": method, path and the body's canonical
 * JSON (keys sorted, numbers as written), so that a retry that re-serialises
 * the same body still matches. In the HTTP layer because "as written" is the
 * lossless body parser's JsonNumber (libs/http).
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
