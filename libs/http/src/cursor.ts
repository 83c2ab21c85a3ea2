import { containsControlCharacter } from './control-characters';

/**
 * Opaque paging cursors: base64url of a small JSON object. Opaque to clients,
 * not secret: whoever decodes one learns a position in a history they may read
 * anyway. The feature that makes a cursor checks, when it comes back, that it
 * was made for the same resource and order (a mismatch is the client's error).
 */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * The position, or null when the text is not a cursor this service made. A
 * cursor is the client's input like any other: its strings meet the
 * control-character rule (./control-characters); what each field must be is
 * for the feature's reader to check.
 */
export function decodeCursor(text: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(text)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) && !containsControlCharacter(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * A handler's answer that carries `meta` beside `data` in the envelope
 * ({status, data, meta}), such as the next page's cursor.
 */
export class WithMeta<T, M extends object> {
  constructor(
    readonly data: T,
    readonly meta: M,
  ) {}
}
