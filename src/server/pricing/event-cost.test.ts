import { describe, expect, it } from 'vitest';
import { storedEvent } from '../../../test/support/usage-events';
import type { StoredEvent } from '../storage/engine';
import { eventCost } from './event-cost';
import { createPriceLookup, globToRegExp } from './price-lookup';
import { parseCurrencyRates, parsePriceTable } from './price-table';

// Prices written out by hand; every expected cost below is worked out in the comment beside it.
const TABLE = `prices:
  - model: gpt-4o
    input: 2.50
    cache_read: 1.25
    output: 10
    source: s
    read: 2026-11-30
  - model: gpt-4o
    from: 2026-06-01
    input: 2
    cache_read: 1
    output: 8
    source: s
    read: 2026-11-30
  - model: gpt-4o
    service: internal-gateway
    input: 1
    output: 4
    source: s
    read: 2026-11-30
  - pattern: "claude-sonnet-4*"
    input: 3
    cache_read: 0.30
    cache_write: 3.75
    output: 15
    source: s
    read: 2026-11-30
  - model: qwen-plus
    currency: CNY
    input: 0.8
    output: 2
    source: s
    read: 2026-11-30
  - model: thinker
    input: 1
    output: 2
    reasoning: 5
    source: s
    read: 2026-11-30
`;
const rates = parseCurrencyRates('CNY=0.1385') as Map<string, never>;
const lookup = createPriceLookup(parsePriceTable(TABLE, 'test.yaml', 'USD', rates));

const JUNE_1 = Date.UTC(2026, 5, 1);
const call = (over: Partial<StoredEvent>): StoredEvent =>
  storedEvent({ ts: JUNE_1 - 1, service: 'chat', model: 'gpt-4o', inputTokens: 1_000_000, outputTokens: 100_000, ...over });
const parts = (input: number, cacheRead: number, cacheWrite: number, output: number) => ({
  inputMicros: input,
  cacheReadMicros: cacheRead,
  cacheWriteMicros: cacheWrite,
  outputMicros: output,
  givenMicros: null,
  unpricedTokens: 0,
});

describe('eventCost', () => {
  it('uses the price in effect at the call: the last millisecond before a new price, and the first one of it', () => {
    // Before June 1: 1M input at $2.50 = $2.50; 100k output at $10 = $1.00.
    expect(eventCost(call({}), lookup)).toEqual(parts(2_500_000, 0, 0, 1_000_000));
    // From June 1: $2.00 and $0.80.
    expect(eventCost(call({ ts: JUNE_1 }), lookup)).toEqual(parts(2_000_000, 0, 0, 800_000));
  });

  it('lets a per-service entry override the price for every service, whatever its date', () => {
    // internal-gateway: 1M at $1 = $1; 100k at $4 = $0.40, before and after June 1.
    expect(eventCost(call({ service: 'internal-gateway' }), lookup)).toEqual(parts(1_000_000, 0, 0, 400_000));
    expect(eventCost(call({ service: 'internal-gateway', ts: JUNE_1 + 1 }), lookup)).toEqual(parts(1_000_000, 0, 0, 400_000));
  });

  it('matches a pattern, and prices a cache-heavy Anthropic-style call part by part', () => {
    // 120,000 input = 100,000 cache read + 15,000 cache write + 5,000 uncached; 2,000 output.
    // uncached 5,000 × $3/1M = $0.015; read 100,000 × $0.30/1M = $0.03; write 15,000 × $3.75/1M = $0.05625; output 2,000 × $15/1M = $0.03.
    const cost = eventCost(
      call({ model: 'claude-sonnet-4-5-20250929', inputTokens: 120_000, cacheReadTokens: 100_000, cacheWriteTokens: 15_000, outputTokens: 2_000 }),
      lookup,
    );
    expect(cost).toEqual(parts(15_000, 30_000, 56_250, 30_000));
  });

  it('converts a price in another currency with the configured rate', () => {
    // 1M input at CNY 0.8 = CNY 0.8 = $0.1108; 100k output at CNY 2/1M = CNY 0.2 = $0.0277.
    expect(eventCost(call({ model: 'qwen-plus' }), lookup)).toEqual(parts(110_800, 0, 0, 27_700));
  });

  it('bills reasoning tokens as output unless the entry names a reasoning price', () => {
    // thinker: 100,000 output of which 60,000 reasoning: 40,000 × $2/1M = $0.08, 60,000 × $5/1M = $0.30.
    expect(eventCost(call({ model: 'thinker', reasoningTokens: 60_000 }), lookup).outputMicros).toBe(380_000);
    // gpt-4o has none: all 100,000 at $10/1M.
    expect(eventCost(call({ reasoningTokens: 60_000 }), lookup).outputMicros).toBe(1_000_000);
  });

  it('keeps a cost the source gave, whole, over the table', () => {
    const given = { inputMicros: 0, cacheReadMicros: 0, cacheWriteMicros: 0, outputMicros: 0, givenMicros: 123_456, unpricedTokens: 0 };
    expect(eventCost(call({ cost: given }), lookup)).toBe(given);
  });

  it('counts the tokens of a model without a price as unpriced', () => {
    expect(eventCost(call({ model: 'mystery-1' }), lookup)).toEqual({ ...parts(0, 0, 0, 0), unpricedTokens: 1_100_000 });
  });

  it('rounds each part of each call to whole micro-units, halves up', () => {
    // 1 input token at $2.50/1M is 2.5 micro-units → 3; 1 output token at $10/1M is exactly 10.
    expect(eventCost(call({ inputTokens: 1, outputTokens: 1 }), lookup)).toEqual(parts(3, 0, 0, 10));
  });
});

describe('globToRegExp', () => {
  it('matches whole ids, * and ? only, everything else literally', () => {
    expect(globToRegExp('claude-*').test('claude-opus-4')).toBe(true);
    expect(globToRegExp('claude-*').test('my-claude-opus')).toBe(false);
    expect(globToRegExp('gpt-4.1?').test('gpt-4.1x')).toBe(true);
    expect(globToRegExp('gpt-4.1').test('gpt-401')).toBe(false);
  });
});
