/** The query API against answers computed independently from the events sent, on the real DuckDB store. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';
import { KEYS, SECRET_KEY, groupedBy, localDate, makeEvents, ndjson, offsetMs, sumOf, timeOf, within, type ClientEvent } from '../support/usage-events';

const H = 3_600_000;
const DAY = 24 * H;
let server: TestServer;
// Three days ending at the last whole hour, plus a DST change in New York (2026-03-08) in a second batch.
const end = Math.floor(Date.now() / H) * H - H;
const start = end - 72 * H;
const recent = makeEvents(5000, start, 72 * H, 11);
const dst = makeEvents(2000, Date.UTC(2026, 2, 6), 4 * DAY, 12, 'dst');
const all = [...recent, ...dst];

const query = async (body: Record<string, unknown>) => {
  const res = await server.json('POST', '/api/v1/query', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

beforeAll(async () => {
  server = await startTestServer();
  for (const batch of [recent, dst]) {
    const res = await server.json('POST', '/api/v1/usage', ndjson(batch), { 'content-type': 'application/x-ndjson' });
    expect(res.body).toMatchObject({ accepted: batch.length, duplicates: 0, rejected: [] });
  }
});
afterAll(() => server.stop());

describe('totals', () => {
  test('equal the plain sums over [from, to), whatever the edges', async () => {
    for (const [from, to] of [
      [start, end],
      [start + 1234567, end - 7654321],
      [start + 59_999, start + 60_001],
    ]) {
      const want = sumOf(within(recent, from, to));
      const got = await query({
        type: 'totals',
        from,
        to,
        metrics: ['total_tokens', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'requests'],
      });
      expect(got.totals).toEqual({
        total_tokens: want.total_tokens,
        input_tokens: want.input_tokens,
        output_tokens: want.output_tokens,
        cache_read_tokens: want.cache_read_tokens,
        cache_write_tokens: want.cache_write_tokens,
        requests: want.requests,
      });
    }
  });

  test('per-minute and concurrency use the minutes of the range', async () => {
    const [from, to] = [start + 90_000, start + 90_000 + 7 * 60_000];
    const want = sumOf(within(recent, from, to));
    const got = await query({ type: 'totals', from, to, metrics: ['total_tokens_per_minute', 'concurrency'] });
    expect(got.totals.total_tokens_per_minute).toBeCloseTo(want.total_tokens / 7, 9);
    expect(got.totals.concurrency).toBeCloseTo(want.duration_ms / (7 * 60_000), 9);
  });

  test('filters keep only the listed values; unknown or hostile values match nothing', async () => {
    const filters = { service: ['chat-prod', 'support-bot'], model: ['glm-5', 'deepseek-v4'] };
    const want = sumOf(within(recent, start, end, filters));
    expect((await query({ type: 'totals', from: start, to: end, metrics: ['requests'], filters })).totals.requests).toBe(want.requests);
    const hostile = await query({
      type: 'totals',
      from: start,
      to: end,
      metrics: ['requests', 'concurrency'],
      filters: { model: ["x' OR '1'='1", "glm-5'; DROP TABLE events; --"] },
    });
    expect(hostile.totals).toEqual({ requests: 0, concurrency: null });
  });
});

describe('ranking', () => {
  test.each(['model', 'service', 'api_key', 'model_type'])('by %s: top rows, other and totals add up', async (dimension) => {
    const groups = groupedBy(within(recent, start, end), (e) => String(e[dimension as keyof ClientEvent]));
    const got = await query({ type: 'ranking', from: start, to: end, dimension, metrics: ['total_tokens', 'requests'], limit: 2 });
    expect(got.rows.map((r: { metrics: { total_tokens: number } }) => r.metrics.total_tokens)).toEqual(groups.slice(0, 2).map((g) => g.sums.total_tokens));
    const rest = groups.slice(2);
    expect(got.other).toMatchObject({ count: rest.length, metrics: { total_tokens: rest.reduce((n, g) => n + g.sums.total_tokens, 0) } });
    const total = sumOf(within(recent, start, end)).total_tokens;
    expect(got.totals.total_tokens).toBe(total);
    expect(got.rows[0].share).toBeCloseTo(groups[0].sums.total_tokens / total, 12);
  });

  test('secret-looking keys are ranked under a one-way id, shown masked, never echoed', async () => {
    const got = await query({ type: 'ranking', from: start, to: end, dimension: 'api_key', limit: 10 });
    const text = JSON.stringify(got);
    expect(text).not.toContain(SECRET_KEY);
    const secretRow = got.rows.find((r: { label: string }) => r.label === 'sk-…3b4c');
    expect(secretRow.key).toMatch(/^key:[0-9a-f]{16}$/);
    expect(got.rows.map((r: { key: string }) => r.key).filter((k: string) => KEYS.includes(k)).length).toBe(KEYS.length - 1);
    // Filtering by the raw key (e.g. pasted by a user) finds the same events as its id.
    const byRaw = await query({ type: 'totals', from: start, to: end, metrics: ['requests'], filters: { api_key: [SECRET_KEY] } });
    expect(byRaw.totals.requests).toBe(within(recent, start, end, { api_key: [SECRET_KEY] }).length);
    expect(byRaw.totals.requests).toBeGreaterThan(0);
  });

  test('other is null when nothing is left over', async () => {
    const got = await query({ type: 'ranking', from: start, to: end, dimension: 'model', limit: 1000 });
    expect(got.other).toBeNull();
  });
});

describe('trend', () => {
  test.each(['UTC', 'Asia/Kolkata'])('hourly buckets aligned in %s equal the plain sums', async (timezone) => {
    const got = await query({ type: 'trend', from: start, to: end, granularity: '1h', timezone, metrics: ['total_tokens', 'total_tokens_per_minute'] });
    const expected = new Map<number, number>();
    for (const e of within(recent, start, end)) {
      const t = timeOf(e);
      const off = offsetMs(t, timezone);
      const bucket = Math.floor((t + off) / H) * H - off;
      expected.set(bucket, (expected.get(bucket) ?? 0) + e.input_tokens + e.output_tokens);
    }
    const [total, perMinute] = got.series;
    got.buckets.forEach((b: number, i: number) => expect(total.values[i]).toBe(expected.get(b) ?? 0));
    expect(total.values.reduce((a: number, b: number) => a + b, 0)).toBe(sumOf(within(recent, start, end)).total_tokens);
    expect(total.max).toBe(Math.max(...total.values));
    expect(total.min).toBe(Math.min(...total.values));
    expect(total.avg).toBeCloseTo(total.values.reduce((a: number, b: number) => a + b, 0) / total.values.length, 9);
    // In Kolkata the first and last buckets are half inside the range: per-minute divides by 30, not 60.
    const edge = timezone === 'UTC' ? 60 : 30;
    expect(perMinute.values[0]).toBeCloseTo(total.values[0] / edge, 9);
    expect(perMinute.values[5]).toBeCloseTo(total.values[5] / 60, 9);
  });

  test('New York days follow DST and each holds that local date', async () => {
    const [from, to] = [Date.UTC(2026, 2, 6, 5), Date.UTC(2026, 2, 10, 4)];
    const got = await query({ type: 'trend', from, to, granularity: '1d', timezone: 'America/New_York', metrics: ['requests'] });
    const expected = new Map<string, number>();
    for (const e of within(dst, from, to))
      expected.set(localDate(timeOf(e), 'America/New_York'), (expected.get(localDate(timeOf(e), 'America/New_York')) ?? 0) + 1);
    expect(got.buckets.map((b: number) => localDate(b, 'America/New_York'))).toEqual(['2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09']);
    got.buckets.forEach((b: number, i: number) => expect(got.series[0].values[i]).toBe(expected.get(localDate(b, 'America/New_York')) ?? 0));
  });

  test('split by model: top N series plus other add up to the total, with labels', async () => {
    const got = await query({ type: 'trend', from: start, to: end, granularity: '1h', dimension: 'model', limit: 3, metrics: ['total_tokens'] });
    expect(got.series).toHaveLength(4);
    const top = groupedBy(within(recent, start, end), (e) => e.model).slice(0, 3);
    expect(got.series.slice(0, 3).map((s: { labels: object }) => s.labels)).toEqual(top.map((g) => ({ model: g.key })));
    expect(got.series[3]).toMatchObject({ key: 'other', isOther: true, labels: { model: 'other' } });
    const sum = got.series.reduce((n: number, s: { values: number[] }) => n + s.values.reduce((a, b) => a + b, 0), 0);
    expect(sum).toBe(sumOf(within(recent, start, end)).total_tokens);
  });

  test('concurrency is null in buckets without durations', async () => {
    const from = end + 10 * H;
    const got = await query({ type: 'trend', from, to: from + 3 * H, granularity: '1h', metrics: ['concurrency', 'requests'] });
    expect(got.series[0].values).toEqual([null, null, null]);
    expect(got.series[0]).toMatchObject({ min: null, max: null, avg: null });
    expect(got.series[1].values).toEqual([0, 0, 0]);
  });

  test('auto granularity follows Grafana interval and maxDataPoints', async () => {
    expect((await query({ type: 'trend', from: start, to: end, intervalMs: 20_000 })).granularity).toBe('5m');
    expect((await query({ type: 'trend', from: start, to: end, intervalMs: 15_000, maxDataPoints: 100_000 })).granularity).toBe('1m');
    expect((await query({ type: 'trend', from: start, to: end, maxDataPoints: 50 })).granularity).toBe('1d');
  });

  test('too many buckets is a 400 that names a granularity that fits', async () => {
    const res = await server.json('POST', '/api/v1/query', { type: 'trend', from: end - 400 * DAY, to: end, granularity: '1m' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/granularity: '1m' gives about .* buckets .*use granularity '1h' or coarser/);
  });
});

test('invariant: trend buckets = totals = ranking rows + other, for random ranges, zones and filters', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: start - H, max: end }),
      fc.integer({ min: 60_000, max: 80 * H }),
      fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York', 'Asia/Kathmandu'),
      fc.constantFrom('5m', '1h', '1d'),
      fc.option(fc.constantFrom('chat-prod', 'search-assist'), { nil: undefined }),
      async (from, span, timezone, granularity, service) => {
        const to = from + span;
        const filters = service ? { service: [service] } : {};
        const body = { from, to, filters, metrics: ['total_tokens', 'requests'] };
        const totals = (await query({ ...body, type: 'totals' })).totals;
        const ranking = await query({ ...body, type: 'ranking', dimension: 'api_key', limit: 2 });
        const trend = await query({ ...body, type: 'trend', granularity, timezone });
        const trendSum = trend.series[0].values.reduce((a: number, b: number) => a + b, 0);
        const rankingSum =
          ranking.rows.reduce((n: number, r: { metrics: { total_tokens: number } }) => n + r.metrics.total_tokens, 0) +
          (ranking.other?.metrics.total_tokens ?? 0);
        expect(totals.total_tokens).toBe(sumOf(within(all, from, to, filters)).total_tokens);
        expect(trendSum).toBe(totals.total_tokens);
        expect(rankingSum).toBe(totals.total_tokens);
      },
    ),
    { numRuns: 25 },
  );
});
