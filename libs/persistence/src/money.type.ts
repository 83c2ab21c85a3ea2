import { type EntityProperty, type Platform, Type } from '@mikro-orm/core';
import { Money } from '@app/money';

/**
 * Maps numeric(20,2) to Money. MikroORM's DecimalType compares changes as JS
 * numbers and can miss an UPDATE of a large value; this type compares the
 * exact two-place text, so a change of one cent is always written.
 */
export class MoneyType extends Type<Money | null, string | null> {
  override convertToDatabaseValue(value: Money | string | null): string | null {
    if (value === null || value === undefined) return null;
    return typeof value === 'string' ? Money.of(value).toFixed() : value.toFixed();
  }

  override convertToJSValue(value: Money | string | null): Money | null {
    if (value === null || value === undefined) return null;
    return value instanceof Money ? value : Money.of(String(value));
  }

  override compareAsType(): string {
    return 'string';
  }

  override compareValues(a: string | null, b: string | null): boolean {
    if (a === null || b === null) return a === b;
    return Money.of(String(a)).equals(Money.of(String(b)));
  }

  override getColumnType(_prop: EntityProperty, _platform: Platform): string {
    return 'numeric(20,2)';
  }

  override get runtimeType(): string {
    return 'Money';
  }
}
