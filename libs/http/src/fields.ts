import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';
import { InvalidAmountError, Money } from '@app/money';
import { allowLineBreaks } from './control-characters';
import { decodeCursor } from './cursor';
import { JsonNumber } from './json-body.parser';

/**
 * Field decorators for request DTOs. Each yields exactly one message per field
 * (the original's marshmallow wording), so a request gets one error per field.
 */
export const MISSING = 'Missing data for required field.';

const isMissing = (value: unknown) => value === undefined || value === null;

export function RequiredString(options: { maxLength: number }): PropertyDecorator {
  return ValidateBy({
    name: 'requiredString',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= options.maxLength,
      defaultMessage: ({ value }: ValidationArguments) => {
        if (isMissing(value)) return MISSING;
        if (typeof value !== 'string') return 'Not a valid string.';
        if (value.length === 0) return 'Field may not be empty.';
        return `Longer than maximum length ${options.maxLength}.`;
      },
    },
  });
}

/**
 * Like RequiredString, but the field may be absent (or null). `multiline`:
 * free text typed into a text area (a reason), which may hold tabs and line
 * breaks; every other control character is refused as in any field (see
 * ./control-characters).
 */
export function OptionalString(options: { maxLength: number; multiline?: boolean }): PropertyDecorator {
  const validator = ValidateBy({
    name: 'optionalString',
    validator: {
      validate: (value: unknown) =>
        isMissing(value) || (typeof value === 'string' && value.length <= options.maxLength),
      defaultMessage: ({ value }: ValidationArguments) =>
        typeof value !== 'string' ? 'Not a valid string.' : `Longer than maximum length ${options.maxLength}.`,
    },
  });
  return (target, key) => {
    validator(target, key);
    if (options.multiline) allowLineBreaks(target, key);
  };
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A UUID in any letter case; the field holds it in lower case after
 * validation, the form PostgreSQL prints and ids are compared in.
 */
export function RequiredUuid(): PropertyDecorator {
  const transform = Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value));
  const validator = ValidateBy({
    name: 'requiredUuid',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && UUID_PATTERN.test(value),
      defaultMessage: ({ value }: ValidationArguments) => (isMissing(value) ? MISSING : 'Not a valid UUID.'),
    },
  });
  return (target, key) => {
    transform(target, key);
    validator(target, key);
  };
}

/** Like RequiredUuid, but the field may be absent. */
export function OptionalUuid(): PropertyDecorator {
  const transform = Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value));
  const validator = ValidateBy({
    name: 'optionalUuid',
    validator: {
      validate: (value: unknown) => value === undefined || (typeof value === 'string' && UUID_PATTERN.test(value)),
      defaultMessage: () => 'Not a valid UUID.',
    },
  });
  return (target, key) => {
    transform(target, key);
    validator(target, key);
  };
}

/**
 * A money amount by the contract's rules (Money.parseAmount): the field holds
 * a Money after validation. JSON numbers are judged on their source text.
 */
export function RequiredAmount(): PropertyDecorator {
  return amountField(false);
}

/** Like RequiredAmount, but the field may be absent. */
export function OptionalAmount(): PropertyDecorator {
  return amountField(true);
}

function amountField(optional: boolean): PropertyDecorator {
  const transform = Transform(({ value }) => {
    if (optional && value === undefined) return value;
    try {
      return Money.parseAmount(value instanceof JsonNumber ? value.text : value);
    } catch (error) {
      if (error instanceof InvalidAmountError) return error;
      throw error;
    }
  });
  const validator = ValidateBy({
    name: optional ? 'optionalAmount' : 'requiredAmount',
    validator: {
      validate: (value: unknown) => value instanceof Money || (optional && value === undefined),
      defaultMessage: ({ value }: ValidationArguments) => {
        if (isMissing(value)) return MISSING;
        return value instanceof InvalidAmountError ? value.message : 'Not a valid number.';
      },
    },
  });
  return (target, key) => {
    transform(target, key);
    validator(target, key);
  };
}

/** Optional query value: absent is fine, otherwise one of `values`. */
export function OptionalOneOf(values: readonly string[]): PropertyDecorator {
  return ValidateBy({
    name: 'optionalOneOf',
    validator: {
      validate: (value: unknown) => value === undefined || (typeof value === 'string' && values.includes(value)),
      defaultMessage: () => `Must be one of: ${values.join(', ')}.`,
    },
  });
}

/**
 * Optional comma-separated list of `values` in a query string (`type=DEPOSIT,REVERSAL`): the
 * field holds the distinct values, in the order given. Empty items, unknown values or a
 * parameter sent twice are refused.
 */
export function OptionalListOf(values: readonly string[]): PropertyDecorator {
  const transform = Transform(({ value }) => {
    if (value === undefined) return value;
    const items = typeof value === 'string' ? value.split(',') : [];
    // Anything else (a repeated parameter arrives as an array) stays a string, which validation refuses.
    return items.length > 0 && items.every((item) => values.includes(item)) ? [...new Set(items)] : String(value);
  });
  const validator = ValidateBy({
    name: 'optionalListOf',
    validator: {
      validate: (value: unknown) => value === undefined || Array.isArray(value),
      defaultMessage: () => `Must be a comma-separated list of: ${values.join(', ')}.`,
    },
  });
  return (target, key) => {
    transform(target, key);
    validator(target, key);
  };
}

/** Optional integer in [min, max]: a query string of digits, or a JSON integer in a body. */
export function OptionalIntInRange(min: number, max: number): PropertyDecorator {
  const transform = Transform(({ value }) => {
    const text = value instanceof JsonNumber ? value.text : value;
    return typeof text === 'string' && /^-?[0-9]{1,10}$/.test(text) ? Number(text) : value;
  });
  const validator = ValidateBy({
    name: 'optionalIntInRange',
    validator: {
      validate: (value: unknown) =>
        value === undefined || (Number.isInteger(value) && (value as number) >= min && (value as number) <= max),
      defaultMessage: ({ value }: ValidationArguments) =>
        Number.isInteger(value)
          ? `Must be greater than or equal to ${min} and less than or equal to ${max}.`
          : 'Not a valid integer.',
    },
  });
  return (target, key) => {
    transform(target, key);
    validator(target, key);
  };
}

const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Whether the date and time fields name a real moment. JavaScript's Date rolls
 * impossible values over (2026-02-30 becomes March 2, 24:00 the next day)
 * instead of refusing them, which would silently filter at another moment.
 */
function isRealDateTime(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 7].map((i) => Number(match[i] ?? 0));
  const lastOfMonth = new Date(0);
  lastOfMonth.setUTCFullYear(year, month, 0);
  const daysInMonth = lastOfMonth.getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
}

/**
 * Optional ISO 8601 timestamp; the field holds a Date after validation. A
 * timestamp without a zone is taken as UTC (the contract's zone). In UTC it
 * must fall in the years 1 to 9999: PostgreSQL has no year 0 and refuses the
 * "+010000-..." text Date writes past 9999 (either would be a 500, not a 422).
 */
export function OptionalTimestamp(): PropertyDecorator {
  const transform = Transform(({ value }) => {
    const match = typeof value === 'string' ? ISO_PATTERN.exec(value) : null;
    if (!match || !isRealDateTime(match)) return value;
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
    const date = new Date(zoned);
    if (Number.isNaN(date.getTime())) return value;
    const year = date.getUTCFullYear();
    return year >= 1 && year <= 9999 ? date : value;
  });
  const validator = ValidateBy({
    name: 'optionalTimestamp',
    validator: {
      validate: (value: unknown) => value === undefined || value instanceof Date,
      defaultMessage: () => 'Not a valid datetime.',
    },
  });
  return (target, key) => {
    transform(target, key);
    validator(target, key);
  };
}

const NOT_A_CURSOR = Symbol('not a cursor');

/**
 * Optional paging cursor (see ./cursor): the field holds what `read` makes of
 * the decoded position, or the request fails with 422 "Not a valid cursor.".
 */
export function OptionalCursor<T extends object>(
  read: (position: Record<string, unknown>) => T | null,
): PropertyDecorator {
  const transform = Transform(({ value }) => {
    if (value === undefined) return value;
    const position = typeof value === 'string' ? decodeCursor(value) : null;
    return (position && read(position)) ?? NOT_A_CURSOR;
  });
  const validator = ValidateBy({
    name: 'optionalCursor',
    validator: {
      validate: (value: unknown) => value === undefined || (value !== NOT_A_CURSOR && typeof value === 'object'),
      defaultMessage: () => 'Not a valid cursor.',
    },
  });
  return (target, key) => {
    transform(target, key);
    validator(target, key);
  };
}
