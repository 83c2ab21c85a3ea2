/**
 * The control-character rule of every string input (body fields, query
 * parameters, route parameters, the fields inside a paging cursor): no C0
 * control (U+0000 to U+001F, tab and newline included), no DEL (U+007F), no
 * C1 control (U+0080 to U+009F). No input of this API needs one, a NUL cannot
 * even reach PostgreSQL (text cannot hold it), and the others end up in logs,
 * the admin console and the action log. Applied once, by the validation pipe
 * (`validateInto`) and the cursor codec, so a new DTO is covered without a
 * decorator. The one exception is free text typed into a text area (an admin
 * action's reason): a field declared `OptionalString({ multiline: true })`
 * may hold tabs and line breaks (U+0009, U+000A, U+000D), nothing else.
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_CHARACTER_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export const CONTROL_CHARACTERS_MESSAGE = 'Must not contain control characters.';

/**
 * Whether `value` is, or holds at any depth (arrays, objects of a query
 * string), a string with a control character; with `multiline`, tabs and
 * line breaks do not count.
 */
export function containsControlCharacter(value: unknown, options: { multiline?: boolean } = {}, depth = 0): boolean {
  if (typeof value === 'string') {
    return (options.multiline ? CONTROL_CHARACTER_BUT_LINE_BREAKS : CONTROL_CHARACTER).test(value);
  }
  if (depth >= 32 || value === null || typeof value !== 'object') return false;
  return Object.values(value).some((item) => containsControlCharacter(item, options, depth + 1));
}

const multilineFields = new WeakMap<object, Set<string | symbol>>();

/** Lets a DTO field hold tabs and line breaks (see OptionalString's `multiline`). */
export function allowLineBreaks(prototype: object, field: string | symbol): void {
  const fields = multilineFields.get(prototype) ?? new Set();
  fields.add(field);
  multilineFields.set(prototype, fields);
}

/** Whether a DTO's field was declared multi-line, on its class or a parent's. */
export function allowsLineBreaks(dto: { prototype: object }, field: string): boolean {
  for (let prototype: object | null = dto.prototype; prototype; prototype = Object.getPrototypeOf(prototype)) {
    if (multilineFields.get(prototype)?.has(field)) return true;
  }
  return false;
}
