/**
 * Exact decimal arithmetic for money: prices and rates are read as exact fractions (an integer over a power of
 * ten), and a cost is rounded once, to whole micro-units, half up. No floating-point value is ever summed.
 */

/** A non-negative exact fraction `num / den`, `den` a power of ten. */
export interface Fraction {
  num: bigint;
  den: bigint;
}

/** Most decimal places a price or rate may have. */
export const MAX_DECIMAL_PLACES = 12;

const DECIMAL = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * The exact value of a non-negative decimal written as text or as a JSON/YAML number (a number is read as the
 * shortest text that gives it back, so `0.1` is one tenth, not the binary double nearest to it). Returns the
 * reason as a string when it is not one.
 */
export function parseDecimal(value: unknown): Fraction | string {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
  const match = DECIMAL.exec(text);
  if (!match) return 'must be a decimal number >= 0';
  const [, whole, fraction = '', exponent = '0'] = match;
  const places = fraction.length - Number(exponent);
  if (places > MAX_DECIMAL_PLACES) return `must have at most ${MAX_DECIMAL_PLACES} decimal places`;
  const digits = BigInt(whole + fraction);
  return places >= 0 ? { num: digits, den: 10n ** BigInt(places) } : { num: digits * 10n ** BigInt(-places), den: 1n };
}

/** a × b, exact. */
export function multiply(a: Fraction, b: Fraction): Fraction {
  return { num: a.num * b.num, den: a.den * b.den };
}

const MICROS = 1_000_000n;

/** An amount of currency as micro-units (not yet rounded). */
export function toMicros(amount: Fraction): Fraction {
  return { num: amount.num * MICROS, den: amount.den };
}

/**
 * `count × rate` rounded to a whole number, halves up (every value is >= 0, so "up" is "away from zero").
 * Plain numbers when every intermediate stays below 2^53 (then the float division is exact enough for the
 * floor to be right), BigInt otherwise.
 */
export function roundedProduct(count: number, rate: Fraction): number {
  if (count === 0 || rate.num === 0n) return 0;
  const num = Number(rate.num);
  const den = Number(rate.den);
  const twice = 2 * count * num + den;
  if (Number.isSafeInteger(num) && Number.isSafeInteger(den) && Number.isSafeInteger(twice) && Number.isSafeInteger(2 * den)) {
    return Math.floor(twice / (2 * den));
  }
  const exact = (2n * BigInt(count) * rate.num + rate.den) / (2n * rate.den);
  return Number(exact);
}
