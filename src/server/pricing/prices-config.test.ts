import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';

describe('price configuration', () => {
  it('loads the shipped table in USD by default', () => {
    const config = loadConfig({});
    expect(config.prices.currency).toBe('USD');
    expect(config.prices.file).toMatch(/default-prices\.yaml$/);
  });

  it('refuses to start when an entry is in a currency without a rate, naming the file, line and entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-prices-'));
    const file = join(dir, 'prices.yaml');
    writeFileSync(file, 'currency: EUR\nprices:\n  - model: m\n    input: 1\n    output: 2\n    source: s\n    read: 2026-11-30\n');
    expect(() => loadConfig({ TOKENSCOPE_PRICES: file })).toThrow(`invalid price table ${file}:\n  line 3 (prices[0], model m): its currency EUR has no rate`);
    expect(loadConfig({ TOKENSCOPE_PRICES: file, TOKENSCOPE_CURRENCY: 'EUR' }).prices.currency).toBe('EUR');
    expect(loadConfig({ TOKENSCOPE_PRICES: file, TOKENSCOPE_CURRENCY_RATES: 'EUR=1.08' }).prices.prices[0].input).toEqual({ num: 108n, den: 100n });
  });

  it('names a bad currency setting', () => {
    expect(() => loadConfig({ TOKENSCOPE_CURRENCY: 'usd' })).toThrow('TOKENSCOPE_CURRENCY: must be a three-letter currency code such as USD');
    expect(() => loadConfig({ TOKENSCOPE_CURRENCY_RATES: 'EUR:1' })).toThrow("TOKENSCOPE_CURRENCY_RATES: 'EUR:1' is not CODE=rate");
    expect(() => loadConfig({ TOKENSCOPE_PRICES: '/nonexistent/prices.yaml' })).toThrow('cannot read the price table /nonexistent/prices.yaml');
  });
});
