import { describe, expect, it } from 'vitest';
import { formatMicros } from '../../shared';
import { multiply, parseDecimal, roundedProduct } from './decimal';

describe('parseDecimal', () => {
  it('reads decimals exactly, from text and from numbers', () => {
    expect(parseDecimal('2.50')).toEqual({ num: 250n, den: 100n });
    expect(parseDecimal(0.1)).toEqual({ num: 1n, den: 10n });
    expect(parseDecimal(15)).toEqual({ num: 15n, den: 1n });
    expect(parseDecimal(1e-7)).toEqual({ num: 1n, den: 10_000_000n });
    expect(parseDecimal('3e2')).toEqual({ num: 300n, den: 1n });
  });
  it('says why a value is not one', () => {
    expect(parseDecimal(-1)).toBe('must be a decimal number >= 0');
    expect(parseDecimal('abc')).toBe('must be a decimal number >= 0');
    expect(parseDecimal(Number.NaN)).toBe('must be a decimal number >= 0');
    expect(parseDecimal('0.0000000000001')).toBe('must have at most 12 decimal places');
  });
});

describe('roundedProduct', () => {
  it('rounds half up, to whole micro-units', () => {
    // 0.075 micro-units per token (gpt-4o-mini cached input at $0.075/1M): 1 token is 0.075, 7 tokens 0.525, 6 tokens 0.45.
    const rate = { num: 75n, den: 1000n };
    expect(roundedProduct(1, rate)).toBe(0);
    expect(roundedProduct(6, rate)).toBe(0);
    expect(roundedProduct(7, rate)).toBe(1);
    expect(roundedProduct(20, rate)).toBe(2); // 1.5 rounds up
    expect(roundedProduct(1_000_000, rate)).toBe(75_000);
  });
  it('stays exact past 2^53 intermediates (BigInt path)', () => {
    // 2^53 - 1 tokens at 0.3 micro-units: 2702159776422297.3 → 2702159776422297
    expect(roundedProduct(Number.MAX_SAFE_INTEGER, { num: 3n, den: 10n })).toBe(2_702_159_776_422_297);
  });
  it('multiplies prices by a currency rate exactly', () => {
    // 2 CNY per 1M tokens at 0.1385 USD per CNY: 0.277 micro-USD per token; 1,000 tokens → 277.
    expect(roundedProduct(1000, multiply({ num: 2n, den: 1n }, { num: 1385n, den: 10_000n }))).toBe(277);
  });
});

describe('formatMicros', () => {
  it('writes micro-units as exact decimal text', () => {
    expect(formatMicros(1_234_567)).toBe('1.234567');
    expect(formatMicros(5)).toBe('0.000005');
    expect(formatMicros(0)).toBe('0.000000');
  });
});
