import { describe, expect, test } from 'vitest';
import { METRIC_IDS } from './catalogue';
import { DEFAULTS, parseApiQuery } from './query';

const base = { from: 1_000, to: 2_000 };

describe('parseApiQuery', () => {
  test('fills defaults; a trend without dimension is not split, a ranking ranks by model', () => {
    const trend = parseApiQuery({ ...base, type: 'trend' });
    const ranking = parseApiQuery({ ...base, type: 'ranking' });
    expect(trend).toMatchObject({ ok: true, query: { granularity: 'auto', limit: 10, timezone: 'UTC', metrics: DEFAULTS.metrics.trend } });
    expect(trend.ok && trend.query.dimension).toBeUndefined();
    expect(ranking.ok && ranking.query.dimension).toBe('model');
  });

  test('accepts RFC 3339 instants and drops empty and repeated filter values', () => {
    const r = parseApiQuery({ type: 'totals', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00+01:00', filters: { model: ['a', 'a'], service: [] } });
    expect(r).toMatchObject({ ok: true, query: { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 1, 23), filters: { model: ['a'] } } });
    expect(r.ok && r.query.filters.service).toBeUndefined();
  });

  test('ignores fields Grafana adds', () => {
    expect(parseApiQuery({ ...base, type: 'totals', refId: 'A', datasource: { uid: 'x' } }).ok).toBe(true);
  });

  test.each([
    [{ type: 'totals', metrics: ['tokens_of_doom'] }, 'metrics[0]: unknown metric', METRIC_IDS.join(', ')],
    [{ type: 'ranking', dimension: 'planet' }, 'dimension: unknown dimension', 'service, model, api_key, model_type'],
    [{ type: 'totals', filters: { planet: ['x'] } }, "filters: unknown filter 'planet'", 'service'],
    [{ type: 'everything' }, "type: unknown query type 'everything'", 'totals, ranking, trend'],
    [{ type: 'trend', granularity: '7s' }, "granularity: unknown granularity '7s'", 'auto, 1m, 5m, 1h, 1d'],
    [{ type: 'ranking', limit: 0 }, 'limit: must be a whole number from 1 to 1000', ''],
    [{ type: 'trend', timezone: 'Mars/Base' }, "timezone: unknown time zone 'Mars/Base'", 'IANA'],
    [{ type: 'totals', from: 5_000, to: 1_000 }, 'from: must be before to', ''],
    [{ type: 'totals', from: 'soon' }, 'from:', 'RFC 3339'],
    [{ type: undefined }, 'type: is required', 'totals, ranking, trend'],
    [{ type: 'totals', to: undefined }, 'to: is required', 'RFC 3339'],
    [{ type: 'movers', metrics: ['requests', 'total_tokens'] }, 'metrics: a movers query compares one metric', ''],
    [{ type: 'movers', offset: 'a week' }, "offset: 'a week' must be a duration such as '1h', '1d' or '7d'", ''],
    [{ type: 'movers', offset: '367d' }, "offset: '367d' must be a duration", 'at most 366d'],
    [{ type: 'calls', orderBy: 'vibes' }, "orderBy: unknown call order 'vibes'", 'total_tokens, input_tokens, output_tokens, cache_tokens'],
  ])('%j is refused with a message naming the field and the valid choices', (q, message, valid) => {
    const r = parseApiQuery({ ...base, ...q });
    expect(r.ok).toBe(false);
    const text = !r.ok ? r.errors.join('; ') : '';
    expect(text).toContain(message);
    expect(text).toContain(valid);
  });
});

test('movers default to the range before and to ranking by model; offsets resolve to milliseconds', () => {
  const movers = parseApiQuery({ ...base, type: 'movers' });
  expect(movers).toMatchObject({ ok: true, query: { dimension: 'model', metrics: ['total_tokens'] } });
  expect(movers.ok && movers.query.offsetMs).toBeUndefined();
  expect(parseApiQuery({ ...base, type: 'movers', offset: '90m' })).toMatchObject({ query: { offsetMs: 90 * 60_000 } });
  expect(parseApiQuery({ ...base, type: 'movers', offset: '1w' })).toMatchObject({ query: { offsetMs: 7 * 86_400_000 } });
  expect(parseApiQuery({ ...base, type: 'calls' })).toMatchObject({ query: { orderBy: 'total_tokens', limit: 10 } });
  expect(parseApiQuery({ ...base, type: 'calls', orderBy: 'duration_ms' })).toMatchObject({ query: { orderBy: 'duration_ms' } });
});

test('a huge rejected value is quoted back cut short', () => {
  const r = parseApiQuery({ ...base, type: 'totals', metrics: ['x'.repeat(1_000_000)], granularity: 'y'.repeat(1_000_000) });
  const text = !r.ok ? r.errors.join('; ') : '';
  expect(text).toContain(`metrics[0]: unknown metric '${'x'.repeat(64)}…'; valid metrics:`);
  expect(text).toContain(`granularity: unknown granularity '${'y'.repeat(64)}…'`);
  expect(text.length).toBeLessThan(1000);
});
