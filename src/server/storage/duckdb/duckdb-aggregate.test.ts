/**
 * DuckDB's aggregate takes one of three ways depending on how many rows it would hand to JavaScript (by dims id,
 * by value with the top ranked in JavaScript, by value with the top ranked in SQL). Three stores of the same events,
 * each held to one way, must return the same rows as sums computed here by hand from the events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BASE_SUMS, entryMatches, zeroSums, type BaseSums, type DimensionId } from '../../../shared';
import { createLogger } from '../../logger';
import { planBuckets, planRange } from '../../query/plan';
import { rng } from '../../../../test/support/usage-events';
import { unpricedCost, type AggregateRequest, type AggregateRow, type RankOrder, type RowFilters, type Store, type StoredEvent } from '../engine';
import { compareKeys } from '../rank';
import { compileAggregate } from './duckdb-aggregate';
import { openDuckDBStore } from './duckdb-store';

const H = 3_600_000;
const start = Date.UTC(2026, 2, 1);
const SERVICES = ['chat', "o'brien\\svc", 'batch'];
const MODELS = ['m-a', 'm-b', 'Ünïcödé-模型 "q" 😀', 'm-c', 'm-d'];
const TYPES = ['text_generation', 'embedding'];
const KEYS = ['team-a', 'team-b', 'sk-secret-1', 'sk-secret-2'];

const random = rng(7);
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
// Skewed models, so rankings have clear leaders and ties at the tail; some calls without a duration.
const events: StoredEvent[] = Array.from({ length: 3000 }, (_, i) => {
  const apiKey = pick(KEYS);
  const e: StoredEvent = {
    ts: start + Math.floor(random() * 30 * H),
    service: pick(SERVICES),
    model: MODELS[Math.min(MODELS.length - 1, Math.floor(random() * random() * MODELS.length))],
    modelType: pick(TYPES),
    apiKey,
    apiKeyLabel: apiKey.startsWith('sk-') ? `sk-…${apiKey.slice(-1)}` : apiKey,
    inputTokens: 1 + Math.floor(random() * 500),
    outputTokens: Math.floor(random() * 200),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    durationMs: i % 5 === 0 ? null : Math.floor(random() * 3000),
    id: `e${i}`,
    traceId: null,
    spanId: null,
  };
  return { ...e, cost: unpricedCost(e) };
});

const COLUMN: Record<DimensionId, (e: StoredEvent) => string> = {
  service: (e) => e.service,
  model: (e) => e.model,
  model_type: (e) => e.modelType,
  api_key: (e) => e.apiKey,
};
const LABEL: Record<DimensionId, (e: StoredEvent) => string> = { ...COLUMN, api_key: (e) => e.apiKeyLabel };

const sumsOf = (e: StoredEvent): BaseSums => ({
  ...zeroSums(),
  input_tokens: e.inputTokens,
  output_tokens: e.outputTokens,
  requests: 1,
  duration_ms: e.durationMs ?? 0,
  timed_requests: e.durationMs === null ? 0 : 1,
  unpriced_tokens: e.inputTokens + e.outputTokens,
});
const add = (a: BaseSums, b: BaseSums): BaseSums => Object.fromEntries(BASE_SUMS.map((s) => [s, a[s] + b[s]])) as BaseSums;

interface Ask {
  from: number;
  to: number;
  /** Bucket width; none: one bucket over the range. */
  step?: number;
  groupBy?: DimensionId;
  keep?: string[];
  top?: { limit: number; order: RankOrder };
  filters?: RowFilters;
}

/** The rows the contract asks for, summed here from the events. */
function expected(ask: Ask): AggregateRow[] {
  const passes = (e: StoredEvent) =>
    Object.entries(ask.filters ?? {}).every(([dim, match]) => {
      const value = COLUMN[dim as DimensionId](e);
      return (match.values ?? []).includes(value) || (match.patterns ?? []).some((p) => entryMatches(p, value));
    });
  const cells = new Map<string, AggregateRow>();
  const totals = new Map<string, BaseSums>();
  for (const e of events) {
    if (e.ts < ask.from || e.ts >= ask.to || !passes(e)) continue;
    const bucket = ask.step ? ask.from + Math.floor((e.ts - ask.from) / ask.step) * ask.step : ask.from;
    let key = ask.groupBy ? COLUMN[ask.groupBy](e) : null;
    if (key !== null && ask.keep && !ask.keep.includes(key)) key = null;
    const label = key === null ? null : LABEL[ask.groupBy!](e);
    const id = JSON.stringify([bucket, key]);
    const cell = cells.get(id);
    cells.set(id, { bucket, key, label: cell?.label ?? label, sums: add(cell?.sums ?? zeroSums(), sumsOf(e)) });
    if (key !== null) totals.set(key, add(totals.get(key) ?? zeroSums(), sumsOf(e)));
  }
  let rows = [...cells.values()];
  if (ask.top && totals.size > ask.top.limit) {
    const { of, timedOnly } = ask.top.order;
    const score = (s: BaseSums) => (timedOnly && s.timed_requests === 0 ? -1 : of.reduce((n, c) => n + s[c], 0));
    const kept = new Set(
      [...totals]
        .sort(([a, x], [b, y]) => score(y) - score(x) || compareKeys(a, b))
        .slice(0, ask.top.limit)
        .map(([k]) => k),
    );
    const folded = new Map<number, AggregateRow>();
    for (const r of rows) {
      if (r.key !== null && kept.has(r.key)) continue;
      const f = folded.get(r.bucket);
      folded.set(r.bucket, { bucket: r.bucket, key: null, label: null, sums: add(f?.sums ?? zeroSums(), r.sums) });
    }
    rows = [...rows.filter((r) => r.key !== null && kept.has(r.key)), ...folded.values()];
  }
  return sorted(rows);
}

const sorted = (rows: AggregateRow[]) =>
  [...rows].sort((a, b) => a.bucket - b.bucket || compareKeys(a.key ?? '', b.key ?? '') || Number(a.key === null) - Number(b.key === null));

function request(ask: Ask): AggregateRequest {
  const pieces = ask.step
    ? planBuckets(
        ask.from,
        ask.to,
        Array.from({ length: Math.ceil((ask.to - ask.from) / ask.step) + 1 }, (_, i) => ask.from + i * ask.step!),
      )
    : planRange(ask.from, ask.to);
  const split = ask.groupBy ? (ask.top ? { groupBy: ask.groupBy, top: ask.top } : { groupBy: ask.groupBy, keep: ask.keep }) : {};
  return { pieces, filters: ask.filters ?? {}, ...split } as AggregateRequest;
}

const TOKENS: RankOrder = { of: ['input_tokens', 'output_tokens'], timedOnly: false };
const TIMED: RankOrder = { of: ['duration_ms'], timedOnly: true };
const ragged = { from: start + 1_234_567, to: start + 29 * H - 54_321 };
const hours = { from: start, to: start + 30 * H, step: H };
const ASKS: [string, Ask][] = [
  ['totals, ragged', { ...ragged }],
  ['ranking by model', { ...ragged, groupBy: 'model' }],
  ['ranking by api key (labels)', { ...ragged, groupBy: 'api_key' }],
  [
    'ranking with filters and patterns',
    { ...ragged, groupBy: 'service', filters: { model: { values: ['m-a'], patterns: ['Ünï*'] }, api_key: { patterns: ['sk-*'] } } },
  ],
  ['hourly trend, no split', { ...hours }],
  ['hourly trend by model, top 2 by tokens', { ...hours, groupBy: 'model', top: { limit: 2, order: TOKENS } }],
  ['hourly trend by api key, top 1 by concurrency', { ...hours, groupBy: 'api_key', top: { limit: 1, order: TIMED } }],
  ['hourly trend by model, top larger than the values', { ...hours, groupBy: 'model', top: { limit: 50, order: TOKENS } }],
  ['hourly trend by service, kept values', { ...hours, groupBy: 'service', keep: ['chat', 'nobody'] }],
  [
    'quarter-hour trend by model, filtered, top 3',
    { ...hours, step: H / 4, groupBy: 'model', top: { limit: 3, order: TOKENS }, filters: { service: { values: ['batch', 'chat'] } } },
  ],
  ['a filter that allows nothing', { ...hours, groupBy: 'model', filters: { model: {} } }],
];

/** The stores, each held to one way by its limit on the rows handed to JavaScript. */
const WAYS: [string, number][] = [
  ['by dims id', Number.MAX_SAFE_INTEGER],
  ['by value, top ranked in JavaScript', 1000],
  ['by value, top ranked in SQL', 0],
];

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-aggregate-'));
const stores: Store[] = [];
beforeAll(async () => {
  for (const [i, [, jsWorkMaxRows]] of WAYS.entries()) {
    const store = await openDuckDBStore({ path: join(dir, `${i}.duckdb`), logger: createLogger('silent'), jsWorkMaxRows });
    for (let at = 0; at < events.length; at += 500) await store.ingest(events.slice(at, at + 500));
    stores.push(store);
  }
}, 60_000);
afterAll(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(WAYS.map(([name], i) => [name, i] as const))('DuckDB aggregate %s', (_, i) => {
  test.each(ASKS)('%s', async (_name, ask) => {
    const rows = await stores[i].aggregate(request(ask));
    expect(sorted(rows)).toEqual(expected(ask));
  });
});

describe('the way a request takes', () => {
  // 60 dims ids, 5 models; a ranking reads one bucket, the hourly trend 30 and a few edges.
  const dims = { size: 60, distinct: () => 5 };
  const wayOf = (ask: Ask, max: number) => {
    const { grouping, foldedTop } = compileAggregate(request(ask), dims, max);
    return `${grouping}${foldedTop ? ', top in SQL' : ''}`;
  };
  test('follows the rows each way would hand to JavaScript', () => {
    const trend: Ask = { ...hours, groupBy: 'model', top: { limit: 2, order: TOKENS } };
    expect(wayOf({ ...ragged }, 0)).toBe('none');
    expect(wayOf({ ...ragged, groupBy: 'model' }, 1000)).toBe('dims');
    expect(wayOf(trend, 1000)).toBe('value');
    expect(wayOf(trend, 100)).toBe('value, top in SQL');
    expect(wayOf({ ...hours, groupBy: 'model', keep: ['m-a'] }, 100)).toBe('value');
  });
});
