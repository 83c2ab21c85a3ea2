/**
 * The one rule for usernames. A username is stored as the client wrote it,
 * in Unicode NFC, so that the same name typed on two keyboards is one name;
 * it holds printable characters only (no control, format or unassigned code
 * points: no NUL byte, no zero-width space) and no whitespace at either end.
 * Uniqueness ignores case: `Alice` and `alice` are one account, decided by
 * the unique index on the folded key.
 */
export const USERNAME_MAX_LENGTH = 150;

/** \p{C}: control, format (zero-width and direction marks), surrogate, private use, unassigned. */
const INVISIBLE = /\p{C}/u;

export function normalizeUsername(raw: string): string {
  return raw.normalize('NFC');
}

/** Why a (normalized) username is refused, or null when it is a valid one. */
export function usernameProblem(username: string): string | null {
  if (username.length === 0) return 'Field may not be empty.';
  if (username.length > USERNAME_MAX_LENGTH) return `Longer than maximum length ${USERNAME_MAX_LENGTH}.`;
  if (INVISIBLE.test(username)) return 'Must contain printable characters only.';
  if (username.trim() !== username) return 'Must not start or end with whitespace.';
  return null;
}

/** What uniqueness compares: the NFC name in lower case (locale-independent). */
export function usernameKey(username: string): string {
  return normalizeUsername(username).toLowerCase();
}
