/**
 * Arithmetic on money as the server writes it ("1234.50"): in whole cents as
 * BigInt, never through a float. Only what the console itself must work out
 * (what is left to reverse) is computed here; everything else is shown as sent.
 */

const AMOUNT = /^(-?)([0-9]+)\.([0-9]{2})$/;

export function cents(amount: string): bigint {
  const [, sign, whole, fraction] = AMOUNT.exec(amount) ?? [];
  if (whole === undefined) throw new Error(`Not an amount: ${amount}`);
  const value = BigInt(whole) * 100n + BigInt(fraction);
  return sign ? -value : value;
}

export function fromCents(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  return `${sign}${magnitude / 100n}.${String(magnitude % 100n).padStart(2, '0')}`;
}

/** "-10.00" as "10.00". */
export function unsigned(amount: string): string {
  return amount.replace(/^-/, '');
}

/** What is left to reverse of an entry of `amount` (either sign) of which `reversed` (or nothing) is reversed. */
export function leftToReverse(amount: string, reversed: string | null | undefined): string {
  return fromCents(cents(unsigned(amount)) - (reversed ? cents(reversed) : 0n));
}
