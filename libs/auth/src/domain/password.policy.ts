/**
 * The one rule for a new password, applied by registration (HTTP, 422 on
 * `password`) and by `make admin` alike. Logging in never applies it: an
 * account made before the rule keeps working with its old password.
 *
 * - at least 8 characters (Unicode code points), not counting whitespace at
 *   either end, so `"        "` or `" p "` is refused;
 * - at most 1024 characters (argon2 hashes any length; this bounds the work);
 * - not one of the 49,000 most common passwords (zxcvbn's list, kept in
 *   `@zxcvbn-ts/language-common`), compared in lower case.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

let common: ReadonlySet<string> | undefined;

/** The list, loaded on first use (the package's plain JSON array; about 18,000 entries are long enough to matter). */
function commonPasswords(): ReadonlySet<string> {
  if (!common) {
    const list = require('@zxcvbn-ts/language-common/src/passwords.json') as string[];
    common = new Set(list.filter((entry) => [...entry].length >= PASSWORD_MIN_LENGTH).map((entry) => entry.toLowerCase()));
  }
  return common;
}

/** Why a new password is refused, or null when it may be used. */
export function passwordProblem(password: string): string | null {
  if ([...password.trim()].length < PASSWORD_MIN_LENGTH) {
    return `Must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  }
  if (password.length > PASSWORD_MAX_LENGTH) return `Longer than maximum length ${PASSWORD_MAX_LENGTH}.`;
  if (commonPasswords().has(password.toLowerCase())) {
    return 'Is one of the most common passwords; choose another.';
  }
  return null;
}
