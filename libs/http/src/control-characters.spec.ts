import { containsControlCharacter } from './control-characters';

describe('containsControlCharacter', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['a newline', 'line\nline'],
    ['a tab', '\t'],
    ['unit separator U+001F', '\u001f'],
    ['DEL', 'x\u007f'],
    ['a C1 control (U+0085)', 'x\u0085'],
    ['U+009F', '\u009f'],
    ['a control inside an array (a repeated query parameter)', ['ok', 'no\u0000']],
    ['a control inside an object (a bracketed query parameter)', { a: { b: '\u0000' } }],
  ])('finds %s', (_name, value) => {
    expect(containsControlCharacter(value)).toBe(true);
  });

  it.each([
    ['plain text', 'alice'],
    ['spaces and punctuation', 'Customer reported a mistaken transfer (ticket 4711)'],
    ['letters beyond ASCII (U+00A0 and up)', '\u00a0Zoë 東京 ✓'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object of plain strings', { a: ['b', 'c'] }],
  ])('accepts %s', (_name, value) => {
    expect(containsControlCharacter(value)).toBe(false);
  });
});

describe('containsControlCharacter, multiline (free text of a text area)', () => {
  it('lets tabs and line breaks through', () => {
    expect(containsControlCharacter('line one\r\nline two\ttabbed\n', { multiline: true })).toBe(false);
  });

  it.each([['NUL', '\u0000'], ['vertical tab', '\u000b'], ['form feed', '\u000c'], ['escape', '\u001b'], ['DEL', '\u007f'], ['U+0085', '\u0085']])(
    'still finds %s',
    (_name, control) => {
      expect(containsControlCharacter(`a\n${control}`, { multiline: true })).toBe(true);
    },
  );
});
