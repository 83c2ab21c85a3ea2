import { InvalidAmountError, Money } from './money';

const MISSING = 'Missing data for required field.';
const NOT_A_NUMBER = 'Not a valid number.';
const TOO_MANY_DECIMALS = 'Must have at most 2 decimal places.';
const TOO_SMALL = 'Must be greater than or equal to 0.01.';
const TOO_LARGE = 'Must be less than or equal to 9999999999999.99.';

function rejection(input: unknown): { reason: string; message: string } {
  try {
    Money.parseAmount(input);
  } catch (error) {
    if (error instanceof InvalidAmountError) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error(`parseAmount accepted ${String(input)}`);
}

describe('Money.parseAmount (contract "Amount input rules")', () => {
  describe('accepts', () => {
    it.each<[string, unknown, string]>([
      ['the smallest amount "0.01"', '0.01', '0.01'],
      ['an integer string "1"', '1', '1.00'],
      ['one fraction digit "1.5"', '1.5', '1.50'],
      ['two fraction digits "1000.42"', '1000.42', '1000.42'],
      ['leading zeros "007.50"', '007.50', '7.50'],
      ['13 integer digits with leading zeros "0000000000000.01"', '0000000000000.01', '0.01'],
      ['exactly the largest amount "9999999999999.99"', '9999999999999.99', '9999999999999.99'],
      ['13 integer digits "1234567890123"', '1234567890123', '1234567890123.00'],
      ['the JS number 12.5', 12.5, '12.50'],
      ['the JS number 1', 1, '1.00'],
      ['the JS number 0.01', 0.01, '0.01'],
      ['the JS number 9999999999999.99', 9999999999999.99, '9999999999999.99'],
    ])('%s', (_name, input, expected) => {
      expect(Money.parseAmount(input).toFixed()).toBe(expected);
    });
  });

  describe('rejects', () => {
    it.each<[string, unknown, string, string]>([
      ['a missing value (undefined)', undefined, 'MISSING', MISSING],
      ['null', null, 'MISSING', MISSING],
      ['an empty string', '', 'MISSING', MISSING],
      ['a negative amount "-1"', '-1', 'TOO_SMALL', TOO_SMALL],
      ['a negative cent "-0.01"', '-0.01', 'TOO_SMALL', TOO_SMALL],
      ['the JS number -5', -5, 'TOO_SMALL', TOO_SMALL],
      ['zero "0"', '0', 'TOO_SMALL', TOO_SMALL],
      ['zero "0.00"', '0.00', 'TOO_SMALL', TOO_SMALL],
      ['the JS number 0', 0, 'TOO_SMALL', TOO_SMALL],
      ['three fraction digits "1.005" (no silent rounding)', '1.005', 'TOO_MANY_DECIMALS', TOO_MANY_DECIMALS],
      ['three fraction digits below a cent "0.001"', '0.001', 'TOO_MANY_DECIMALS', TOO_MANY_DECIMALS],
      ['a trailing zero third digit "1.500"', '1.500', 'TOO_MANY_DECIMALS', TOO_MANY_DECIMALS],
      ['the float sum 0.1 + 0.2', 0.1 + 0.2, 'TOO_MANY_DECIMALS', TOO_MANY_DECIMALS],
      ['an exponent "1e2"', '1e2', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['an upper-case exponent "1E2"', '1E2', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a JS number printed with an exponent (1e21)', 1e21, 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a tiny JS number printed with an exponent (1e-7)', 1e-7, 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['hex "0x10"', '0x10', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['"NaN"', 'NaN', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['the JS number NaN', Number.NaN, 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['"Infinity"', 'Infinity', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['"-Infinity"', '-Infinity', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['the JS number Infinity', Number.POSITIVE_INFINITY, 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a leading space " 1"', ' 1', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a trailing space "1 "', '1 ', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a trailing newline "1\\n"', '1\n', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['only spaces', '   ', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a plus sign "+1"', '+1', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a bare fraction ".5"', '.5', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a trailing dot "5."', '5.', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a decimal comma "1,5"', '1,5', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a thousands separator "1,000.00"', '1,000.00', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['words "ten"', 'ten', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['non-ASCII digits "١٢"', '١٢', 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['the boolean true', true, 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['the boolean false', false, 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['an object', { amount: '1.00' }, 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['an empty object', {}, 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['an array holding a valid amount', ['1.00'], 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['an empty array', [], 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a bigint', BigInt(5), 'NOT_A_NUMBER', NOT_A_NUMBER],
      ['a cent above the largest amount "10000000000000.00"', '10000000000000.00', 'TOO_LARGE', TOO_LARGE],
      ['14 integer digits "10000000000000"', '10000000000000', 'TOO_LARGE', TOO_LARGE],
      ['the JS number 10000000000000', 10_000_000_000_000, 'TOO_LARGE', TOO_LARGE],
      ['a huge amount "99999999999999999999"', '99999999999999999999', 'TOO_LARGE', TOO_LARGE],
      ['14 integer digits with a leading zero "00000000000001"', '00000000000001', 'NOT_A_NUMBER', NOT_A_NUMBER],
      [
        'the largest amount plus a third digit "9999999999999.991"',
        '9999999999999.991',
        'TOO_MANY_DECIMALS',
        TOO_MANY_DECIMALS,
      ],
    ])('%s', (_name, input, reason, message) => {
      expect(rejection(input)).toEqual({ reason, message });
    });
  });

  it('throws InvalidAmountError, an Error carrying the reason', () => {
    expect(() => Money.parseAmount('abc')).toThrow(InvalidAmountError);
    expect(() => Money.parseAmount('abc')).toThrow(NOT_A_NUMBER);
  });
});

describe('Money.of (trusted database text)', () => {
  it.each(['0.00', '1', '1.5', '-50.00', '999999999999999999.99'])('reads %p', (text) => {
    expect(Money.of(text).equals(Money.of(text))).toBe(true);
  });

  it.each(['1e2', '1.234', ' 1', '', 'NaN', '0x10', '--1'])('refuses %p', (text) => {
    expect(() => Money.of(text)).toThrow(TypeError);
  });

  it('refuses a value that is not a string', () => {
    expect(() => Money.of(1 as unknown as string)).toThrow(TypeError);
  });
});

describe('Money arithmetic and text', () => {
  const m = (text: string) => Money.of(text);

  it('adds 0.10 and 0.20 to exactly 0.30', () => {
    expect(m('0.10').plus(m('0.20')).toFixed()).toBe('0.30');
  });

  it('adds large amounts without losing a cent', () => {
    expect(m('9999999999999.99').plus(m('9999999999999.99')).toFixed()).toBe('19999999999999.98');
    expect(m('999999999999999999.98').plus(m('0.01')).toFixed()).toBe('999999999999999999.99');
  });

  it('subtracts exactly, into negatives', () => {
    expect(m('1.00').minus(m('0.99')).toFixed()).toBe('0.01');
    expect(m('0.10').minus(m('0.30')).toFixed()).toBe('-0.20');
  });

  it('negates', () => {
    expect(m('50').negated().toFixed()).toBe('-50.00');
    expect(m('-50').negated().toFixed()).toBe('50.00');
  });

  it('sums many cents exactly (no float drift)', () => {
    expect(Money.sum(Array.from({ length: 1000 }, () => m('0.01'))).toFixed()).toBe('10.00');
    expect(Money.sum([]).toFixed()).toBe('0.00');
    expect(Money.sum([m('10.00'), m('-3.33'), m('-6.67')]).isZero()).toBe(true);
  });

  it('always prints exactly two fraction digits', () => {
    expect(m('1').toFixed()).toBe('1.00');
    expect(m('1.5').toFixed()).toBe('1.50');
    expect(m('-7').toFixed()).toBe('-7.00');
    expect(m('1000.42').toFixed()).toBe('1000.42');
  });

  it('never prints exponent notation for very large or very small values', () => {
    expect(m('999999999999999999.99').toFixed()).toBe('999999999999999999.99');
    expect(m('100000000000000000000000').toFixed()).toBe('100000000000000000000000.00');
    expect(m('0.01').toFixed()).toBe('0.01');
  });

  it('never prints "-0.00"', () => {
    expect(Money.ZERO.negated().toFixed()).toBe('0.00');
    expect(m('-0.00').toFixed()).toBe('0.00');
    expect(m('-0').toFixed()).toBe('0.00');
    expect(m('0.01').minus(m('0.01')).negated().toFixed()).toBe('0.00');
    expect(m('-0.01').plus(m('0.01')).toFixed()).toBe('0.00');
    expect(String(Money.ZERO.negated())).toBe('0.00');
    expect(JSON.stringify(Money.ZERO.negated())).toBe('"0.00"');
  });

  it('does not count negative zero as negative', () => {
    expect(Money.ZERO.negated().isNegative()).toBe(false);
    expect(Money.ZERO.negated().isZero()).toBe(true);
    expect(m('-0.01').isNegative()).toBe(true);
    expect(m('0.01').isNegative()).toBe(false);
  });

  it('compares by value, not by text', () => {
    expect(m('1.5').equals(m('1.50'))).toBe(true);
    expect(m('0').equals(m('-0.00'))).toBe(true);
    expect(m('1.50').equals(m('1.51'))).toBe(false);
    expect(m('9.99').lessThan(m('10'))).toBe(true);
    expect(m('10').lessThan(m('10.00'))).toBe(false);
    expect(m('10.01').greaterThan(m('10'))).toBe(true);
    expect(m('10').greaterThan(m('10'))).toBe(false);
  });

  it('serialises to JSON as a two-place string, never a number', () => {
    expect(m('12.5').toJSON()).toBe('12.50');
    expect(JSON.stringify({ amount: m('12.5') })).toBe('{"amount":"12.50"}');
    expect(JSON.stringify({ amount: Money.parseAmount(7) })).toBe('{"amount":"7.00"}');
    expect(`${m('3')}`).toBe('3.00');
  });

  it('is immutable: arithmetic returns new values', () => {
    const a = m('1.00');
    a.plus(m('2.00'));
    a.minus(m('0.50'));
    a.negated();
    expect(a.toFixed()).toBe('1.00');
  });

  it('exposes the amount bounds of the contract', () => {
    expect(Money.MIN_AMOUNT.toFixed()).toBe('0.01');
    expect(Money.MAX_AMOUNT.toFixed()).toBe('9999999999999.99');
    expect(Money.ZERO.toFixed()).toBe('0.00');
  });
});
