import Decimal from 'decimal.js';

/**
 * decimal.js clone used for every amount. 40 significant digits is far more than
 * numeric(20,2) can hold, so no arithmetic on money ever rounds; exponent
 * notation is disabled so that text conversions are always plain decimals.
 */
const MoneyDecimal = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});
type MoneyDecimal = InstanceType<typeof MoneyDecimal>;

/** The contract's amount grammar: 1..13 integer digits, at most 2 fraction digits. */
const AMOUNT_PATTERN = /^[0-9]{1,13}(\.[0-9]{1,2})?$/;
/** Any exact two-place decimal as PostgreSQL prints numeric(p,2), signed. */
const STORED_PATTERN = /^-?[0-9]+(\.[0-9]{1,2})?$/;

const MIN_AMOUNT = new MoneyDecimal('0.01');
const MAX_AMOUNT = new MoneyDecimal('9999999999999.99');

export type AmountRejection = 'MISSING' | 'NOT_A_NUMBER' | 'TOO_MANY_DECIMALS' | 'TOO_SMALL' | 'TOO_LARGE';

export class InvalidAmountError extends Error {
  constructor(
    readonly reason: AmountRejection,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidAmountError';
  }
}

/**
 * An exact amount of money with two fraction digits. Immutable; arithmetic
 * never rounds and never touches a JavaScript float.
 */
export class Money {
  static readonly ZERO = new Money(new MoneyDecimal(0));
  static readonly MIN_AMOUNT = new Money(MIN_AMOUNT);
  static readonly MAX_AMOUNT = new Money(MAX_AMOUNT);

  private constructor(private readonly value: MoneyDecimal) {}

  /**
   * Reads a trusted decimal text, as the database returns it (numeric columns,
   * SUM results). Refuses anything that is not an exact two-place decimal.
   */
  static of(text: string): Money {
    if (typeof text !== 'string' || !STORED_PATTERN.test(text)) {
      throw new TypeError(`Not an exact money value: ${String(text)}`);
    }
    return new Money(new MoneyDecimal(text));
  }

  /**
   * Parses a client-supplied amount by the contract's rules: a JSON string, or
   * the source text of a JSON number, matching the amount grammar and within
   * [0.01, 9999999999999.99]. Nothing is rounded: three fraction digits is an
   * error, not a silent change of the amount.
   */
  static parseAmount(input: unknown): Money {
    if (input === undefined || input === null || input === '') {
      throw new InvalidAmountError('MISSING', 'Missing data for required field.');
    }
    const text = typeof input === 'number' ? numberText(input) : input;
    if (typeof text !== 'string' || !/^-?[0-9]+(\.[0-9]+)?$/.test(text)) {
      throw new InvalidAmountError('NOT_A_NUMBER', 'Not a valid number.');
    }
    if ((text.split('.')[1] ?? '').length > 2) {
      throw new InvalidAmountError('TOO_MANY_DECIMALS', 'Must have at most 2 decimal places.');
    }
    const value = new MoneyDecimal(text);
    if (value.lessThan(MIN_AMOUNT)) {
      throw new InvalidAmountError('TOO_SMALL', 'Must be greater than or equal to 0.01.');
    }
    if (value.greaterThan(MAX_AMOUNT)) {
      throw new InvalidAmountError('TOO_LARGE', 'Must be less than or equal to 9999999999999.99.');
    }
    if (!AMOUNT_PATTERN.test(text)) {
      // Only zero-padded forms longer than 13 integer digits get here.
      throw new InvalidAmountError('NOT_A_NUMBER', 'Not a valid number.');
    }
    return new Money(value);
  }

  plus(other: Money): Money {
    return new Money(this.value.plus(other.value));
  }

  minus(other: Money): Money {
    return new Money(this.value.minus(other.value));
  }

  negated(): Money {
    return new Money(this.value.negated());
  }

  isNegative(): boolean {
    return this.value.isNegative() && !this.value.isZero();
  }

  isZero(): boolean {
    return this.value.isZero();
  }

  equals(other: Money): boolean {
    return this.value.equals(other.value);
  }

  lessThan(other: Money): boolean {
    return this.value.lessThan(other.value);
  }

  greaterThan(other: Money): boolean {
    return this.value.greaterThan(other.value);
  }

  /** The wire and database form: always exactly two fraction digits. */
  toFixed(): string {
    const text = this.value.toFixed(2);
    return text === '-0.00' ? '0.00' : text;
  }

  toString(): string {
    return this.toFixed();
  }

  toJSON(): string {
    return this.toFixed();
  }

  static sum(amounts: Iterable<Money>): Money {
    let total = Money.ZERO;
    for (const amount of amounts) total = total.plus(amount);
    return total;
  }
}

/**
 * The decimal text of a JavaScript number. Only plain finite numbers qualify:
 * String() of huge or tiny numbers uses exponent notation, which the amount
 * grammar rejects, and NaN/Infinity are not numbers on the wire.
 */
function numberText(input: number): string | undefined {
  return Number.isFinite(input) ? String(input) : undefined;
}
