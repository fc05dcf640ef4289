/**
 * Property-based test of the query layer on the real stores (DuckDB, and ClickHouse where its server is
 * installed; ENGINES=duckdb narrows it): for random events (fast-check) and random
 * ranges, zones, granularities, splits and filters, the answers must agree with each other and with plain sums.
 * Beyond test/api/query-answers.test.ts: every base sum (not only total_tokens), split trends bucket by bucket,
 * filters that partition the totals, per-minute and concurrency against the minutes of each bucket inside
 * the range, and events placed exactly on the range's edges.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selectedEngines } from '../conformance/conformance-engines';
import { startTestServer, type TestServer } from '../support/test-server';
import { SECRET_KEY, ndjson, sumOf, within, type ClientEvent } from '../support/usage-events';
import { SIZES, reliabilitySeed } from './reliability-mode';

const MIN = 60_000;
const DAY = 86_400_000;
/**
 * Each run gets a window of its own: its events and its range (which may reach a day beyond the window on
 * either side) stay more than a day away from any other run's.
 */
const WINDOW = 10 * DAY;
const SPACING = WINDOW + 3 * DAY;
const FIRST_WINDOW = Date.UTC(1972, 0, 1);
const SUMS = ['total_tokens', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'requests'] as const;
const DIMENSIONS = ['service', 'model', 'api_key', 'model_type'] as const;
type Dimension = (typeof DIMENSIONS)[number];

// One server of each engine; the two-shard cluster adds time here and nothing the conformance suite lacks.
const engines = selectedEngines().filter((e) => e.name !== 'clickhouse-cluster');
const sumsOf = (events: ClientEvent[]) => {
  const s = sumOf(events);
  return Object.fromEntries(SUMS.map((m) => [m, s[m]]));
};
/** Relative closeness for values computed by division (per-minute, concurrency). */
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

const eventArb = fc.record({
  offset: fc.integer({ min: 0, max: WINDOW - 1 }),
  service: fc.constantFrom('svc-a', 'svc-b', 'svc-c'),
  model: fc.constantFrom('glm-5', 'kimi-k2.5', 'deepseek-v4', 'minimax-m2.5'),
  model_type: fc.constantFrom('text_generation', 'vision'),
  api_key: fc.constantFrom('team-a', 'team-b', SECRET_KEY),
  input: fc.integer({ min: 0, max: 2_000_000 }),
  output: fc.integer({ min: 0, max: 500_000 }),
  cacheRead: fc.double({ min: 0, max: 1, noNaN: true }),
  cacheWrite: fc.double({ min: 0, max: 1, noNaN: true }),
  duration: fc.option(fc.integer({ min: 0, max: DAY }), { nil: undefined }),
});
type GeneratedEvent = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function toEvent(g: GeneratedEvent, t: number): ClientEvent {
  return {
    timestamp: t,
    service: g.service,
    model: g.model,
    model_type: g.model_type,
    api_key: g.api_key,
    input_tokens: g.input,
    output_tokens: g.output,
    cache_read_tokens: Math.floor(g.input * g.cacheRead),
    cache_write_tokens: Math.floor(g.input * g.cacheWrite),
    ...(g.duration === undefined ? {} : { duration_ms: g.duration }),
  };
}

for (const engine of engines) {
  describe.skipIf(engine.skipReason !== '')(`query invariants on ${engine.name}${engine.skipReason}`, () => {
    let server: TestServer;
    let stopEngine: () => Promise<void> = async () => {};
    let runs = 0;
    beforeAll(async () => {
      const started = await engine.start();
      stopEngine = started.stop;
      server = await startTestServer({ TOKENSCOPE_STORE: started.store });
    });
    afterAll(async () => {
      await server?.stop();
      await stopEngine();
    });

    const query = async (body: Record<string, unknown>) => {
      const res = await server.json('POST', '/api/v1/query', body);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
      return res.body;
    };

    test('invariants over random events, ranges, zones, granularities, splits and filters', { timeout: 600_000 }, async () => {
      const seed = reliabilitySeed();
      console.log(`query invariants on ${engine.name}: ${SIZES.propertyRuns} runs, fast-check seed ${seed}`);
      await fc.assert(
        fc.asyncProperty(
          fc.array(eventArb, { maxLength: 120 }),
          fc.integer({ min: -DAY, max: WINDOW }),
          fc.integer({ min: 1, max: WINDOW + DAY }),
          fc.constantFrom('UTC', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Chatham'),
          fc.constantFrom('1m', '5m', '1h', '1d'),
          fc.constantFrom(...DIMENSIONS),
          fc.constantFrom(...DIMENSIONS),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 0, max: 15 }),
          async (generated, fromOffset, length, timezone, granularity, split, partitionBy, limit, subsetMask) => {
            const base = FIRST_WINDOW + runs++ * SPACING;
            const from = base + fromOffset;
            const to = Math.min(from + length, base + WINDOW + DAY);
            const events = generated.map((g) => toEvent(g, base + g.offset));
            // Events exactly on the edges: `from` is inside the range, `to` is not.
            if (generated.length) for (const t of [from, to - 1, to]) events.push(toEvent(generated[0], t));
            const stored = await server.json('POST', '/api/v1/usage', ndjson(events), { 'content-type': 'application/x-ndjson' });
            expect(stored.body).toMatchObject({ accepted: events.length, rejected: [] });

            const inRange = within(events, from, to);
            const body = { from, to, metrics: [...SUMS] };
            const totals = (await query({ ...body, type: 'totals' })).totals;
            expect(totals).toEqual(sumsOf(inRange));

            // Trend: buckets add up to the totals, for every base sum.
            const trend = await query({ ...body, type: 'trend', granularity, timezone });
            const trendSums = Object.fromEntries(
              trend.series.map((s: { metric: string; values: number[] }) => [s.metric, s.values.reduce((a, b) => a + b, 0)]),
            );
            expect(trendSums).toEqual(totals);

            // Split trend: in every bucket, the top series plus other equal the unsplit value.
            const splitTrend = await query({ ...body, metrics: ['total_tokens', 'requests'], type: 'trend', granularity, timezone, dimension: split, limit });
            for (const metric of ['total_tokens', 'requests']) {
              const unsplit = trend.series.find((s: { metric: string }) => s.metric === metric).values as number[];
              const parts = splitTrend.series.filter((s: { metric: string }) => s.metric === metric) as { values: number[] }[];
              expect(parts.length).toBeLessThanOrEqual(limit + 1);
              const differing = unsplit.flatMap((v, i) => (parts.reduce((n, p) => n + p.values[i], 0) === v ? [] : [`${metric} bucket ${i}`]));
              expect(differing).toEqual([]);
            }

            // Ranking: rows plus other equal the totals; rows in order; shares are parts of the total.
            const ranking = await query({ ...body, type: 'ranking', dimension: split, limit });
            const distinct = new Set(inRange.map((e) => String(e[split])));
            expect(ranking.rows.length).toBe(Math.min(limit, distinct.size));
            expect(ranking.other?.count ?? 0).toBe(distinct.size - ranking.rows.length);
            for (const m of SUMS) {
              const rowsSum = ranking.rows.reduce((n: number, r: { metrics: Record<string, number> }) => n + r.metrics[m], 0);
              expect(rowsSum + (ranking.other?.metrics[m] ?? 0), m).toBe(totals[m]);
            }
            const firsts = ranking.rows.map((r: { metrics: Record<string, number> }) => r.metrics.total_tokens);
            expect(firsts).toEqual([...firsts].sort((a, b) => b - a));
            for (const r of ranking.rows) if (totals.total_tokens > 0) expect(close(r.share, r.metrics.total_tokens / totals.total_tokens)).toBe(true);

            // Filters partition the totals: one value at a time, all values, a subset and the rest.
            const valuesRes = await server.json('GET', `/api/v1/dimensions/${partitionBy}/values?from=${from}&to=${to}`);
            const valueIds: string[] = valuesRes.body.values.map((v: { value: string }) => v.value);
            expect(valueIds.length).toBe(new Set(inRange.map((e) => String(e[partitionBy as Dimension]))).size);
            const totalsWith = async (filters: Record<string, string[]>) => (await query({ ...body, type: 'totals', filters })).totals;
            const addUp = (parts: Record<string, number>[]) => Object.fromEntries(SUMS.map((m) => [m, parts.reduce((n, p) => n + p[m], 0)]));
            expect(addUp(await Promise.all(valueIds.map((v) => totalsWith({ [partitionBy]: [v] }))))).toEqual(totals);
            if (valueIds.length) expect(await totalsWith({ [partitionBy]: valueIds })).toEqual(totals);
            const subset = valueIds.filter((_, i) => subsetMask & (1 << i));
            const rest = valueIds.filter((v) => !subset.includes(v));
            if (subset.length && rest.length) {
              expect(addUp([await totalsWith({ [partitionBy]: subset }), await totalsWith({ [partitionBy]: rest })])).toEqual(totals);
              // Within another filter too: the partition holds inside any slice.
              const other = DIMENSIONS.find((d) => d !== partitionBy)!;
              const slice = { [other]: [String(inRange[0][other])] };
              const sliced = await totalsWith(slice);
              expect(addUp([await totalsWith({ ...slice, [partitionBy]: subset }), await totalsWith({ ...slice, [partitionBy]: rest })])).toEqual(sliced);
            }

            // Per-minute and concurrency: a bucket's rate times its minutes inside the range is its sum.
            const rates = await query({ from, to, type: 'trend', granularity, timezone, metrics: ['total_tokens', 'total_tokens_per_minute', 'concurrency'] });
            const [sum, perMinute, concurrency] = rates.series as { values: (number | null)[] }[];
            const wrongRates = rates.buckets.flatMap((start: number, i: number) => {
              const end = Math.min(rates.buckets[i + 1] ?? to, to);
              const inside = end - Math.max(start, from);
              const wrong: string[] = [];
              if (!close(perMinute.values[i]! * (inside / MIN), sum.values[i]!)) wrong.push(`per minute, bucket ${i}`);
              const timed = sum.values[i] === 0 && concurrency.values[i] === null ? null : sumOf(within(inRange, Math.max(start, from), end));
              if (timed && (timed.timed === 0 ? concurrency.values[i] !== null : !close(concurrency.values[i]! * inside, timed.duration_ms)))
                wrong.push(`concurrency, bucket ${i}`);
              return wrong;
            });
            expect(wrongRates).toEqual([]);
            const whole = await query({ from, to, type: 'totals', metrics: ['total_tokens_per_minute', 'concurrency'] });
            expect(close(whole.totals.total_tokens_per_minute * ((to - from) / MIN), totals.total_tokens)).toBe(true);
            const timedAll = sumOf(inRange);
            if (timedAll.timed === 0) expect(whole.totals.concurrency).toBeNull();
            else expect(close(whole.totals.concurrency * (to - from), timedAll.duration_ms)).toBe(true);
          },
        ),
        { numRuns: SIZES.propertyRuns, seed },
      );
    });
  });
}
