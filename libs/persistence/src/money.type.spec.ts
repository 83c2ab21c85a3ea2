import { DecimalType } from '@mikro-orm/core';
import { Money } from '@app/money';
import { MoneyType } from './money.type';

describe('MoneyType', () => {
  const type = new MoneyType();

  it('writes exactly two fraction digits and reads back the same amount', () => {
    expect(type.convertToDatabaseValue(Money.of('1000.4'))).toBe('1000.40');
    expect(type.convertToJSValue('999999999999999999.99')?.toFixed()).toBe('999999999999999999.99');
    expect(type.convertToDatabaseValue(null)).toBeNull();
    expect(type.convertToJSValue(null)).toBeNull();
  });

  it('sees a one-cent change of a large balance that a float comparison misses', () => {
    const before = '12345678901234567.89';
    const after = '12345678901234567.88';
    // MikroORM's DecimalType rounds through a JS number and calls these equal,
    // which would silently skip the UPDATE of the balance.
    const decimal = new DecimalType('number');
    decimal.prop = { scale: 2 } as never;
    expect(decimal.compareValues(before, after)).toBe(true);
    expect(type.compareValues(before, after)).toBe(false);
    expect(type.compareValues('10.10', '10.1')).toBe(true);
  });

  it('declares numeric(20,2) as its column', () => {
    expect(type.getColumnType({} as never, {} as never)).toBe('numeric(20,2)');
  });
});
