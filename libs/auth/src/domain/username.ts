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

/**
 * What a new name must also satisfy (registration and `make admin`; an
 * existing account keeps logging in by its name): no lookalike of another
 * name by mixing scripts (`rооt1` with Cyrillic о beside `root1`), and no
 * compatibility characters (full-width `ｒｏｏｔ`, ligatures, superscripts),
 * which NFKC would fold onto plain ones. A name written wholly in one other
 * script that happens to look Latin (all-Cyrillic `рор`) is still accepted:
 * refusing it would refuse those scripts' users.
 */
export function newUsernameProblem(username: string): string | null {
  if (username.normalize('NFKC') !== username) {
    return 'Must not contain compatibility characters (full-width letters, ligatures, superscripts, ...).';
  }
  if (!singleScript(username)) return 'Must not mix letters of different scripts (such as Latin and Cyrillic).';
  return null;
}

/**
 * Scripts told apart, each a Unicode Script_Extensions value; a letter of a
 * script not listed counts as one script of its own (`Other`).
 */
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari',
  'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao',
  'Tibetan', 'Myanmar', 'Ethiopic', 'Cherokee', 'Khmer', 'Mongolian', 'Hangul', 'Hiragana', 'Katakana', 'Bopomofo',
  'Han', 'Coptic', 'Runic', 'Ogham', 'Canadian_Aboriginal', 'Tifinagh', 'Vai', 'Yi', 'Lisu', 'Adlam', 'Nko',
].map((name) => [name, new RegExp(`\\p{Script_Extensions=${name}}`, 'u')] as const);
const ANY_SCRIPT = /[\p{Script=Common}\p{Script=Inherited}]/u;
/** Writing systems that mix scripts by design (UTS #39's augmented script sets): Japanese, Korean, Chinese with Bopomofo. */
const AUGMENTED: Record<string, string[]> = {
  Han: ['Jpan', 'Kore', 'Hanb'],
  Hiragana: ['Jpan'],
  Katakana: ['Jpan'],
  Hangul: ['Kore'],
  Bopomofo: ['Hanb'],
};

/**
 * UTS #39's single-script test: the intersection of the characters' script
 * sets is not empty. Digits, punctuation and combining marks (Common,
 * Inherited) go with every script.
 */
function singleScript(text: string): boolean {
  let common: Set<string> | undefined;
  for (const char of text) {
    const scripts = SCRIPTS.filter(([, pattern]) => pattern.test(char)).map(([name]) => name);
    if (scripts.length === 0 && ANY_SCRIPT.test(char)) continue;
    const set = new Set(scripts.length > 0 ? scripts.flatMap((name) => [name, ...(AUGMENTED[name] ?? [])]) : ['Other']);
    common = common === undefined ? set : new Set([...common].filter((name) => set.has(name)));
    if (common.size === 0) return false;
  }
  return true;
}

/** What uniqueness compares: the NFC name in lower case (locale-independent). */
export function usernameKey(username: string): string {
  return normalizeUsername(username).toLowerCase();
}
