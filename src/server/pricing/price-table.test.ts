import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES_FILE, loadPriceTable, parseCurrencyRates, parsePriceTable } from './price-table';

const NO_RATES = new Map();

describe('parsePriceTable', () => {
  it('turns prices per 1M tokens into micro-units per token, with defaults for cache and reasoning', () => {
    const table = parsePriceTable(
      `prices:
  - model: m1
    input: 3
    output: 15
    cache_read: 0.30
    source: https://example.com/pricing
    read: 2026-11-30
`,
      'p.yaml',
      'USD',
      NO_RATES,
    );
    const [p] = table.prices;
    expect(p).toMatchObject({ line: 2, model: 'm1', pattern: null, service: null, from: 0, currency: 'USD' });
    expect(p.input).toEqual({ num: 3n, den: 1n });
    expect(p.cacheRead).toEqual({ num: 3n, den: 10n });
    expect(p.cacheWrite).toEqual({ num: 3n, den: 1n });
    expect(p.reasoning).toBe(p.output);
  });

  it('converts another currency with its configured rate', () => {
    const rates = parseCurrencyRates('CNY=0.1385');
    if (typeof rates === 'string') throw new Error(rates);
    const table = parsePriceTable(
      `currency: CNY
prices:
  - model: qwen-plus
    input: 0.8
    output: 2
    source: https://example.com
    read: 2026-11-30
`,
      'p.yaml',
      'USD',
      rates,
    );
    expect(table.prices[0].input).toEqual({ num: 8n * 1385n, den: 10n * 10_000n });
    expect(table.prices[0].currency).toBe('CNY');
  });

  it('refuses an entry whose currency has no rate, naming its line and model', () => {
    expect(() =>
      parsePriceTable(
        `prices:
  - model: a
    input: 1
    output: 1
    source: s
    read: 2026-01-01
  - model: qwen-max
    currency: CNY
    input: 1
    output: 1
    source: s
    read: 2026-01-01
`,
        'p.yaml',
        'USD',
        NO_RATES,
      ),
    ).toThrow(/p\.yaml:\n {2}line 7 \(prices\[1\], model qwen-max\): its currency CNY has no rate to the reporting currency USD; add CNY=/);
  });

  it('names the line and field of a bad value, an unknown field and a missing one', () => {
    let message = '';
    try {
      parsePriceTable(
        `prices:
  - model: a
    input: -2
    output: 1
    source: s
    read: 2026-01-01
  - model: b
    input: 1
    ouput: 1
    source: s
    read: 2026-01-01
`,
        'p.yaml',
        'USD',
        NO_RATES,
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('line 3: prices[0].input: must be a decimal number >= 0');
    expect(message).toContain("line 7: prices[1]: unknown field 'ouput'");
    expect(message).toContain('line 7: prices[1].output: is required');
  });

  it('refuses an entry with both or neither of model and pattern, and a repeated entry', () => {
    expect(() => parsePriceTable(`prices:\n  - input: 1\n    output: 1\n    source: s\n    read: 2026-01-01\n`, 'p.yaml', 'USD', NO_RATES)).toThrow(
      /line 2: prices\[0\]: give exactly one of model and pattern/,
    );
    const twice = `  - model: a\n    from: 2025-01-01\n    input: 1\n    output: 1\n    source: s\n    read: 2026-01-01\n`;
    expect(() => parsePriceTable(`prices:\n${twice}${twice}`, 'p.yaml', 'USD', NO_RATES)).toThrow(
      /line 8 \(prices\[1\], model a\): repeats the entry of line 2/,
    );
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parsePriceTable('prices:\n  - model: a\n   input: [1\n', 'p.yaml', 'USD', NO_RATES)).toThrow(/invalid price table p\.yaml:\n {2}line \d+: /);
  });
});

describe('parseCurrencyRates', () => {
  it('reads CODE=rate pairs and refuses anything else', () => {
    expect(parseCurrencyRates('CNY=0.1385, EUR=1.08')).toEqual(
      new Map([
        ['CNY', { num: 1385n, den: 10_000n }],
        ['EUR', { num: 108n, den: 100n }],
      ]),
    );
    expect(parseCurrencyRates(undefined)).toEqual(new Map());
    expect(parseCurrencyRates('cny=1')).toMatch(/is not CODE=rate/);
    expect(parseCurrencyRates('EUR=0')).toBe('EUR: must be greater than 0');
  });
});

describe('the default price table', () => {
  it('loads in USD without any rate, every entry with a source and the date it was read', () => {
    const table = loadPriceTable(DEFAULT_PRICES_FILE, 'USD', NO_RATES);
    expect(table.prices.length).toBeGreaterThan(30);
    const families = ['claude', 'gpt', 'gemini', 'deepseek', 'qwen', 'glm', 'kimi', 'MiniMax'];
    for (const family of families) expect(table.prices.some((p) => (p.model ?? p.pattern)!.startsWith(family))).toBe(true);
  });
  it('refuses to start in another reporting currency without a rate for USD', () => {
    let message = '';
    try {
      loadPriceTable(DEFAULT_PRICES_FILE, 'EUR', NO_RATES);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/its currency USD has no rate to the reporting currency EUR/);
    // One line per entry would be a wall of text: the first 20, then how many more.
    expect(message.split('\n')).toHaveLength(22);
    expect(message).toMatch(/… and \d+ more$/);
  });
});
