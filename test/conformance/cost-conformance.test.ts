/**
 * Cost on every storage engine: a hand-written price table, hand-written calls whose costs are worked out in the
 * comments (a price boundary, a per-service override, a pattern, a currency rate, a cache-heavy Anthropic-style
 * call, a cost the source gave, an unpriced model), and generated traffic priced here by plain integer sums.
 * Every engine must give the same answers, and totals = ranking rows + other = the sum of the trend, in cost as
 * in tokens. `ENGINES=duckdb` (or `clickhouse`) narrows the run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';
import { makeEvents, ndjson, timeOf, within, type ClientEvent } from '../support/usage-events';
import { askEveryEngine, selectedEngines } from './conformance-engines';

const engines = selectedEngines();
const runnable = engines.filter((e) => !e.skipReason);
for (const e of engines.filter((e) => e.skipReason)) test.skip(`${e.name}${e.skipReason}`, () => {});

const H = 3_600_000;
const BOUNDARY = Date.UTC(2026, 2, 8); // gpt-4o's new price starts here
const WINDOW = { from: BOUNDARY - 2 * 24 * H, to: BOUNDARY + 2 * 24 * H };

const PRICES = `currency: USD
prices:
  - model: gpt-4o
    input: 2.50
    cache_read: 1.25
    output: 10
    source: test
    read: 2026-11-30
  - model: gpt-4o
    from: 2026-03-08
    input: 2
    cache_read: 1
    output: 8
    source: test
    read: 2026-11-30
  - model: gpt-4o
    service: internal
    input: 1
    output: 4
    source: test
    read: 2026-11-30
  - pattern: "claude-sonnet-*"
    input: 3
    cache_read: 0.30
    cache_write: 3.75
    output: 15
    source: test
    read: 2026-11-30
  - model: qwen-plus
    currency: CNY
    input: 0.8
    output: 2
    source: test
    read: 2026-11-30
  # Generated traffic: whole micro-units per token, so its cost is tokens x price with no rounding.
  - model: deepseek-v4
    input: 1
    cache_read: 0
    cache_write: 2
    output: 3
    source: test
    read: 2026-11-30
  - model: glm-5
    input: 2
    output: 5
    source: test
    read: 2026-11-30
  - pattern: "qwen3-*"
    input: 4
    output: 7
    reasoning: 9
    source: test
    read: 2026-11-30
`;

const at = (iso: string) => Date.parse(iso);
/** The hand-written calls; the cost of each in micro-units of USD is worked out beside it. */
const HAND: ClientEvent[] = [
  // Last millisecond of the old gpt-4o price: 800,000 uncached × 2.5 = 2,000,000; 200,000 read × 1.25 = 250,000; 100,000 out × 10 = 1,000,000.
  {
    id: 'h1',
    timestamp: BOUNDARY - 1,
    service: 'chat',
    model: 'gpt-4o',
    api_key: 'team-a',
    input_tokens: 1_000_000,
    cache_read_tokens: 200_000,
    output_tokens: 100_000,
  },
  // First millisecond of the new price: 1,600,000 + 200,000 + 800,000.
  {
    id: 'h2',
    timestamp: BOUNDARY,
    service: 'chat',
    model: 'gpt-4o',
    api_key: 'team-a',
    input_tokens: 1_000_000,
    cache_read_tokens: 200_000,
    output_tokens: 100_000,
  },
  // The service override, before the boundary: 1,000,000 × 1 + 100,000 × 4 = 1,400,000.
  { id: 'h3', timestamp: at('2026-03-07T12:00:00Z'), service: 'internal', model: 'gpt-4o', api_key: 'team-b', input_tokens: 1_000_000, output_tokens: 100_000 },
  // Pattern, cache-heavy: 5,000 uncached × 3 = 15,000; 100,000 read × 0.3 = 30,000; 15,000 written × 3.75 = 56,250; 2,000 out × 15 = 30,000.
  {
    id: 'h4',
    timestamp: at('2026-03-08T06:00:00Z'),
    service: 'anthropic',
    model: 'claude-sonnet-4-5-20250929',
    api_key: 'team-b',
    input_tokens: 120_000,
    cache_read_tokens: 100_000,
    cache_write_tokens: 15_000,
    output_tokens: 2_000,
  },
  // CNY at 0.1385 USD: 1,000,000 × 0.8 × 0.1385 = 110,800; 100,000 × 2 × 0.1385 = 27,700.
  {
    id: 'h5',
    timestamp: at('2026-03-08T12:00:00Z'),
    service: 'dashscope',
    model: 'qwen-plus',
    api_key: 'team-a',
    input_tokens: 1_000_000,
    output_tokens: 100_000,
  },
  // The source's own cost wins over the gpt-4o price: 0.0123 USD = 12,300.
  {
    id: 'h6',
    timestamp: at('2026-03-08T13:00:00Z'),
    service: 'chat',
    model: 'gpt-4o',
    api_key: 'team-a',
    input_tokens: 1_000,
    output_tokens: 100,
    cost: 0.0123,
  },
  // No price: 5,500 unpriced tokens, no cost.
  { id: 'h7', timestamp: at('2026-03-08T14:00:00Z'), service: 'lab', model: 'mystery-1', api_key: 'team-c', input_tokens: 5_000, output_tokens: 500 },
];
/** The hand-worked parts in micro-units, summed over HAND. */
const HAND_MICROS = {
  input_cost: 2_000_000 + 1_600_000 + 1_000_000 + 15_000 + 110_800,
  cache_read_cost: 250_000 + 200_000 + 30_000,
  cache_write_cost: 56_250,
  output_cost: 1_000_000 + 800_000 + 400_000 + 30_000 + 27_700,
  source_cost: 12_300,
};
const HAND_COST = 7_532_050; // the five parts above
const HAND_UNPRICED = 5_500;

/** Generated calls, priced here from the integer prices above: micro-units by part, independent of the project's code. */
const GENERATED = makeEvents(1200, WINDOW.from, WINDOW.to - WINDOW.from, 91, 'cost');
const UNIT_PRICES: Record<string, { input: number; cacheRead: number; cacheWrite: number; output: number; reasoning: number }> = {
  'deepseek-v4': { input: 1, cacheRead: 0, cacheWrite: 2, output: 3, reasoning: 3 },
  'glm-5': { input: 2, cacheRead: 2, cacheWrite: 2, output: 5, reasoning: 5 },
  'qwen3-max': { input: 4, cacheRead: 4, cacheWrite: 4, output: 7, reasoning: 9 },
};
function referenceCost(events: ClientEvent[]) {
  const s = { input_cost: 0, cache_read_cost: 0, cache_write_cost: 0, output_cost: 0, unpriced_tokens: 0 };
  for (const e of events) {
    const p = UNIT_PRICES[e.model];
    if (!p) {
      s.unpriced_tokens += e.input_tokens + e.output_tokens;
      continue;
    }
    const read = e.cache_read_tokens ?? 0;
    const write = e.cache_write_tokens ?? 0;
    const reasoning = e.reasoning_tokens ?? 0;
    s.input_cost += (e.input_tokens - read - write) * p.input;
    s.cache_read_cost += read * p.cacheRead;
    s.cache_write_cost += write * p.cacheWrite;
    s.output_cost += (e.output_tokens - reasoning) * p.output + reasoning * p.reasoning;
  }
  return s;
}

/** Money from the API in micro-units: exact for the sums here, which stay far below 2^53 / 10^6 units. */
const micros = (value: number) => Math.round(value * 1_000_000);

interface Running {
  name: string;
  server: TestServer;
  stop(): Promise<void>;
}
const running: Running[] = [];
let dir: string;

describe.skipIf(runnable.length === 0)(`cost conformance on ${runnable.map((e) => e.name).join(', ')}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-cost-'));
    const prices = join(dir, 'prices.yaml');
    writeFileSync(prices, PRICES);
    for (const engine of runnable) {
      const started = await engine.start();
      const server = await startTestServer({ TOKENSCOPE_STORE: started.store, TOKENSCOPE_PRICES: prices, TOKENSCOPE_CURRENCY_RATES: 'CNY=0.1385' });
      running.push({ name: engine.name, server, stop: started.stop });
      for (const batch of [HAND, GENERATED.slice(0, 600), GENERATED.slice(600), [HAND[0], HAND[5]]]) {
        const res = await server.json('POST', '/api/v1/usage', ndjson(batch), { 'content-type': 'application/x-ndjson' });
        expect(res.status, `${engine.name}: ${JSON.stringify(res.body)}`).toBe(200);
      }
    }
  }, 600_000);
  afterAll(async () => {
    for (const r of running) {
      await r.server.stop();
      await r.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = (body: Record<string, unknown>) => askEveryEngine(running, 'POST', '/api/v1/query', body);
  const COST_METRICS = ['cost', 'input_cost', 'cache_read_cost', 'cache_write_cost', 'output_cost', 'source_cost', 'unpriced_tokens'];
  const handOnly = { service: ['chat', 'internal', 'anthropic', 'dashscope', 'lab'] };

  test('the hand-written calls cost what was worked out by hand, part by part, in the reporting currency', async () => {
    const got = await ask({ type: 'totals', ...WINDOW, metrics: COST_METRICS, filters: handOnly });
    expect(got.currency).toBe('USD');
    const t = got.totals;
    expect([t.input_cost, t.cache_read_cost, t.cache_write_cost, t.output_cost, t.source_cost].map(micros)).toEqual([
      HAND_MICROS.input_cost,
      HAND_MICROS.cache_read_cost,
      HAND_MICROS.cache_write_cost,
      HAND_MICROS.output_cost,
      HAND_MICROS.source_cost,
    ]);
    expect(micros(t.cost)).toBe(HAND_COST);
    expect(t.unpriced_tokens).toBe(HAND_UNPRICED);
  });

  test('each case on its own: boundary, override, pattern, rate, source cost, unpriced', async () => {
    const costOf = async (range: { from: number; to: number }, filters: Record<string, string[]>) =>
      (await ask({ type: 'totals', ...range, metrics: ['cost', 'unpriced_tokens'], filters })).totals;
    expect(micros((await costOf({ from: BOUNDARY - 1, to: BOUNDARY }, { service: ['chat'] })).cost)).toBe(3_250_000);
    expect(micros((await costOf({ from: BOUNDARY, to: BOUNDARY + 1 }, { service: ['chat'] })).cost)).toBe(2_600_000);
    expect(micros((await costOf(WINDOW, { service: ['internal'] })).cost)).toBe(1_400_000);
    expect(micros((await costOf(WINDOW, { service: ['anthropic'] })).cost)).toBe(131_250);
    expect(micros((await costOf(WINDOW, { service: ['dashscope'] })).cost)).toBe(138_500);
    expect(micros((await costOf({ from: at('2026-03-08T13:00:00Z'), to: at('2026-03-08T13:00:01Z') }, { service: ['chat'] })).cost)).toBe(12_300);
    expect(await costOf(WINDOW, { service: ['lab'] })).toEqual({ cost: 0, unpriced_tokens: 5_500 });
  });

  test('ranking by cost: rows + other = totals, shares of the cost, on the hand-written calls', async () => {
    const got = await ask({ type: 'ranking', ...WINDOW, dimension: 'model', metrics: ['cost', 'total_tokens'], limit: 2, filters: handOnly });
    // gpt-4o: 3,250,000 + 2,600,000 + 1,400,000 + 12,300; then qwen-plus 138,500; other: claude 131,250 and mystery-1 0.
    expect(got.rows.map((r: any) => [r.key, micros(r.metrics.cost)])).toEqual([
      ['gpt-4o', 7_262_300],
      ['qwen-plus', 138_500],
    ]);
    expect(got.other.count).toBe(2);
    expect(micros(got.other.metrics.cost)).toBe(131_250);
    expect(micros(got.totals.cost)).toBe(HAND_COST);
    expect(got.rows[0].share).toBeCloseTo(7_262_300 / HAND_COST, 12);
    expect(got.other.share).toBeCloseTo(131_250 / HAND_COST, 12);
  });

  for (const [name, range] of Object.entries({ whole: WINDOW, ragged: { from: WINDOW.from + 1_234_567, to: WINDOW.to - 7_654_321 } })) {
    test(`generated traffic, ${name} range: totals = reference = ranking rows + other = sum of the trend, in cost as in tokens`, async () => {
      const events = within(GENERATED, range.from, range.to);
      const ref = referenceCost(events);
      const metrics = ['cost', 'input_cost', 'cache_read_cost', 'cache_write_cost', 'output_cost', 'unpriced_tokens', 'total_tokens'];
      const filters = { model: ['deepseek-v4', 'glm-5', 'kimi-k2.5', 'minimax-m2.5', 'qwen3-max', 'gpt-oss-120b'] };
      const totals = (await ask({ type: 'totals', ...range, metrics, filters })).totals;
      expect({
        input_cost: micros(totals.input_cost),
        cache_read_cost: micros(totals.cache_read_cost),
        cache_write_cost: micros(totals.cache_write_cost),
        output_cost: micros(totals.output_cost),
        unpriced_tokens: totals.unpriced_tokens,
      }).toEqual(ref);
      const refCost = ref.input_cost + ref.cache_read_cost + ref.cache_write_cost + ref.output_cost;
      expect(micros(totals.cost)).toBe(refCost);
      expect(ref.unpriced_tokens).toBeGreaterThan(0);

      for (const dimension of ['model', 'service', 'api_key']) {
        const ranking = await ask({ type: 'ranking', ...range, dimension, metrics: ['cost', 'total_tokens'], limit: 2, filters });
        const rowsPlusOther = (m: string) => ranking.rows.reduce((n: number, r: any) => n + micros(r.metrics[m]), 0) + micros(ranking.other?.metrics[m] ?? 0);
        expect(rowsPlusOther('cost'), dimension).toBe(refCost);
        const costs = ranking.rows.map((r: any) => r.metrics.cost);
        expect(costs, dimension).toEqual([...costs].sort((a, b) => b - a));
      }

      const trend = await ask({
        type: 'trend',
        ...range,
        granularity: '1h',
        timezone: 'Asia/Kolkata',
        dimension: 'model',
        limit: 2,
        metrics: ['cost', 'total_tokens'],
        filters,
      });
      const sumOf = (metric: string, unit: (v: number) => number) =>
        trend.series.filter((s: any) => s.metric === metric).reduce((n: number, s: any) => n + s.values.reduce((a: number, v: number) => a + unit(v), 0), 0);
      expect(sumOf('cost', micros)).toBe(refCost);
      expect(sumOf('total_tokens', (v) => v)).toBe(events.reduce((n, e) => n + e.input_tokens + e.output_tokens, 0));
    });
  }

  test('the CSV export writes cost exactly, the same bytes on every engine, and its cost column adds up to the total', async () => {
    const texts: string[] = [];
    for (const r of running) {
      const res = await fetch(
        `${r.server.url}/api/v1/export?from=${WINDOW.from}&to=${WINDOW.to}&granularity=1h&dimension=model&limit=3&service=chat,internal,anthropic,dashscope,lab`,
      );
      expect(res.status).toBe(200);
      texts.push(await res.text());
    }
    for (const t of texts) expect(t).toBe(texts[0]);
    const [header, ...lines] = texts[0].trim().split('\n');
    const column = header.split(',').indexOf('cost');
    expect(column).toBeGreaterThan(0);
    const cells = lines.map((l) => l.split(',')[column]);
    for (const c of cells) expect(c).toMatch(/^\d+\.\d{6}$/);
    expect(cells.reduce((n, c) => n + Number(c.replace('.', '')), 0)).toBe(HAND_COST);
  });

  test('reprice with the same table changes nothing on DuckDB; ClickHouse says it cannot reprice (501)', async () => {
    for (const r of running) {
      const res = await r.server.json('POST', '/api/v1/reprice', WINDOW);
      if (r.name === 'duckdb') expect(res.body).toMatchObject({ events: HAND.length + GENERATED.length, changed: 0, groups: [] });
      else expect([res.status, res.body.error.code], r.name).toEqual([501, 'not_supported']);
    }
  });

  test('a resent call and a resent source cost count once', async () => {
    const got = await ask({ type: 'totals', ...WINDOW, metrics: ['requests'], filters: handOnly });
    expect(got.totals.requests).toBe(HAND.length);
    expect(timeOf(HAND[0])).toBe(BOUNDARY - 1);
  });
});
