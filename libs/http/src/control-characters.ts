/**
 * The control-character rule of every string input (body fields, query
 * parameters, route parameters, the fields inside a paging cursor): no C0
 * control (U+0000 to U+001F, tab and newline included), no DEL (U+007F), no
 * C1 control (U+0080 to U+009F). No input of this API needs one, a NUL cannot
 * even reach PostgreSQL (text cannot hold it), and the others end up in logs,
 * the admin console and the action log. Applied once, by the validation pipe
 * (`validateInto`) and the cursor codec, so a new DTO is covered without a
 * decorator.
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

export const CONTROL_CHARACTERS_MESSAGE = 'Must not contain control characters.';

/** Whether `value` is, or holds at any depth (arrays, objects of a query string), a string with a control character. */
export function containsControlCharacter(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return CONTROL_CHARACTER.test(value);
  if (depth >= 32 || value === null || typeof value !== 'object') return false;
  return Object.values(value).some((item) => containsControlCharacter(item, depth + 1));
}
