/**
 * Top movers and the largest calls on every storage engine, against a small hand-made set of events whose
 * answers are worked out by hand below (not by summing in code). `ENGINES=duckdb` narrows the run.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';
import { SECRET_KEY, ndjson, type ClientEvent } from '../support/usage-events';
import { askEveryEngine, selectedEngines } from './conformance-engines';

const engines = selectedEngines();
const runnable = engines.filter((e) => !e.skipReason);
for (const e of engines.filter((x) => x.skipReason)) test.skip(`${e.name}${e.skipReason}`, () => {});

const H = 3_600_000;
const D = 24 * H;
/** A ragged range of one day, so every tier from raw events to whole hours is read at its edges. */
const FROM = Date.UTC(2026, 0, 12, 5, 0, 0, 123);
const TO = FROM + D;

const event = (model: string, at: number, tokens: number, extra: Partial<ClientEvent> = {}): ClientEvent => ({
  timestamp: at,
  service: 'svc-1',
  model,
  api_key: 'team-a',
  input_tokens: tokens,
  output_tokens: 0,
  ...extra,
});

/** Totals per model: previous day [FROM − D, FROM), this day [FROM, TO), and a week earlier [FROM − 7D, TO − 7D). */
const MOVERS_EVENTS: ClientEvent[] = [
  // model-a: previous 100 + 50 = 150 (both edges of the previous range), now 400 (at FROM exactly); a week earlier 1000.
  event('model-a', FROM - D, 100),
  event('model-a', FROM - 1, 50, { service: 'svc-2' }),
  event('model-a', FROM, 400),
  event('model-a', FROM - 7 * D + 10 * H, 1000),
  // model-b: previous 1000, now 200 at TO − 1; the call at TO itself belongs to neither range.
  event('model-b', FROM - D + 3 * H, 1000),
  event('model-b', TO - 1, 200),
  event('model-b', TO, 5000),
  // model-c: new now (300); its call just before the previous range does not count.
  event('model-c', FROM + 5 * H, 300, { service: 'svc-2' }),
  event('model-c', FROM - D - 1, 7777, { service: 'svc-2' }),
  // model-d: vanished (600 before, nothing now).
  event('model-d', FROM - 2 * H, 600, { service: 'svc-2' }),
  // model-e: unchanged, 100 and 100, split over input and output.
  event('model-e', FROM - 20 * H, 60, { output_tokens: 40, service: 'svc-2' }),
  event('model-e', FROM + 20 * H, 100, { service: 'svc-2' }),
  // model-f: 100 → 400, the same change as model-c, under a secret-looking key.
  event('model-f', FROM - 5 * H, 100, { api_key: SECRET_KEY, service: 'svc-2' }),
  event('model-f', FROM + 23 * H + 59 * 60_000, 400, { api_key: SECRET_KEY, service: 'svc-2' }),
  // model-g: only a week earlier (50).
  event('model-g', FROM - 7 * D + H, 50, { service: 'svc-2' }),
];

/** The largest-calls window: two hours a month later, with calls just outside it on both sides. */
const C = Date.UTC(2026, 1, 3, 8);
const M = 60_000;
const TRACE_1 = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_7 = '0af7651916cd43dd8448eb211c80319c';
const call = (name: string, at: number, extra: Partial<ClientEvent>): ClientEvent => ({
  timestamp: at,
  service: 's1',
  model: 'm1',
  api_key: 'team-a',
  input_tokens: 0,
  output_tokens: 0,
  ...extra,
  // The name travels in the model type, so each call is recognisable in the answer without an id.
  model_type: name,
});
const CALLS: Record<string, ClientEvent> = {
  c1: call('c1', C + 10 * M, {
    input_tokens: 500,
    output_tokens: 100,
    cache_read_tokens: 50,
    reasoning_tokens: 30,
    duration_ms: 2000,
    id: 'call-1',
    trace_id: TRACE_1,
    span_id: '00f067aa0ba902b7',
  }),
  c2: call('c2', C + 20 * M, { input_tokens: 300, output_tokens: 300 }),
  c3: call('c3', C + 5 * M, { input_tokens: 900, cache_write_tokens: 200, duration_ms: 100, id: 'call-3', api_key: SECRET_KEY }),
  c4: call('c4', C + 10 * M, { input_tokens: 600, service: 's0' }),
  c5: call('c5', C + 120 * M, { input_tokens: 10_000 }),
  c6: call('c6', C - 1, { input_tokens: 20_000 }),
  c7: call('c7', C + 60 * M, {
    input_tokens: 40,
    output_tokens: 10,
    cache_read_tokens: 40,
    reasoning_tokens: 5,
    duration_ms: 30_000,
    model: 'm2',
    service: 's2',
    trace_id: TRACE_7,
    span_id: 'b7ad6b7169203331',
  }),
  c8: call('c8', C + 90 * M, { output_tokens: 700, reasoning_tokens: 700, duration_ms: 500, model: 'm2' }),
};

interface Running {
  name: string;
  server: TestServer;
  stop(): Promise<void>;
}
const running: Running[] = [];

describe.skipIf(runnable.length === 0)(`movers and calls on ${runnable.map((e) => e.name).join(', ')}`, () => {
  beforeAll(async () => {
    for (const engine of runnable) {
      const started = await engine.start();
      const server = await startTestServer({ TOKENSCOPE_STORE: started.store });
      running.push({ name: engine.name, server, stop: started.stop });
      const res = await server.json('POST', '/api/v1/usage', ndjson(MOVERS_EVENTS), { 'content-type': 'application/x-ndjson' });
      expect(res.body, engine.name).toMatchObject({ accepted: MOVERS_EVENTS.length, rejected_total: 0 });
      // c1 is sent twice: its id makes the second copy a duplicate, which must not be listed again.
      for (const batch of [Object.values(CALLS), [CALLS.c1]]) {
        const sent = await server.json('POST', '/api/v1/usage', ndjson(batch), { 'content-type': 'application/x-ndjson' });
        expect(sent.body, engine.name).toMatchObject({ rejected_total: 0 });
      }
    }
  }, 300_000);
  afterAll(async () => {
    for (const r of running) {
      await r.server.stop();
      await r.stop();
    }
  });

  const query = (body: Record<string, unknown>) => askEveryEngine(running, 'POST', '/api/v1/query', body);
  const row = (key: string, current: number, previous: number, status: string) => ({
    key,
    label: key,
    current,
    previous,
    change: current - previous,
    changeRatio: previous ? (current - previous) / previous : null,
    status,
  });

  describe('movers', () => {
    test('against the previous day: ranked by absolute change, the range edges counted once, new and vanished flagged', async () => {
      const got = await query({ type: 'movers', from: FROM, to: TO, dimension: 'model', metrics: ['total_tokens'], limit: 3 });
      expect(got).toMatchObject({ type: 'movers', from: FROM, to: TO, previousFrom: FROM - D, previousTo: FROM, dimension: 'model', metric: 'total_tokens' });
      // |change|: b 800, d 600, c 300 and f 300 (tie: the smaller key first), a 250, e 0.
      expect(got.rows).toEqual([row('model-b', 200, 1000, 'ongoing'), row('model-d', 0, 600, 'vanished'), row('model-c', 300, 0, 'new')]);
      // The rest: f 400/100, a 400/150, e 100/100.
      expect(got.other).toEqual({ count: 3, current: 900, previous: 350, change: 550, changeRatio: 550 / 350 });
      expect(got.totals).toEqual({ current: 1400, previous: 1950, change: -550, changeRatio: -550 / 1950 });
    });

    test('a week earlier (offset 7d): other values are new and vanished', async () => {
      const got = await query({ type: 'movers', from: FROM, to: TO, dimension: 'model', metrics: ['total_tokens'], offset: '7d', limit: 10 });
      expect(got).toMatchObject({ previousFrom: FROM - 7 * D, previousTo: TO - 7 * D, other: null });
      expect(got.rows).toEqual([
        row('model-a', 400, 1000, 'ongoing'),
        row('model-f', 400, 0, 'new'),
        row('model-c', 300, 0, 'new'),
        row('model-b', 200, 0, 'new'),
        row('model-e', 100, 0, 'new'),
        row('model-g', 0, 50, 'vanished'),
      ]);
    });

    test('filters apply to both ranges', async () => {
      const got = await query({ type: 'movers', from: FROM, to: TO, dimension: 'model', metrics: ['total_tokens'], filters: { service: ['svc-1'] } });
      // svc-1 only: a 100 → 400, b 1000 → 200.
      expect(got.rows).toEqual([row('model-b', 200, 1000, 'ongoing'), row('model-a', 400, 100, 'ongoing')]);
      expect(got.totals).toEqual({ current: 600, previous: 1100, change: -500, changeRatio: -500 / 1100 });
    });

    test('by api key with another metric: secret keys come back masked, never raw', async () => {
      const got = await query({ type: 'movers', from: FROM, to: TO, dimension: 'api_key', metrics: ['requests'] });
      // team-a holds every call but model-f's: before a, a, b, d, e = 5; now a, b, c, e = 4. The secret key: 1 → 1.
      expect(got.rows.map((r: any) => [r.current, r.previous, r.change])).toEqual([
        [4, 5, -1],
        [1, 1, 0],
      ]);
      expect(got.rows[0].label).toBe('team-a');
      expect(got.rows[1].label).toMatch(/^sk-…[0-9a-f]{4}$/);
      expect(JSON.stringify(got)).not.toContain(SECRET_KEY);
    });

    test('a metric per minute changes as its tokens do, over the same minutes', async () => {
      const got = await query({ type: 'movers', from: FROM, to: TO, dimension: 'model', metrics: ['total_tokens_per_minute'], limit: 1 });
      expect(got.rows).toEqual([{ ...row('model-b', 200 / 1440, 1000 / 1440, 'ongoing'), change: 200 / 1440 - 1000 / 1440 }]);
    });

    test('both sides add up to the totals of their ranges, rows plus other', async () => {
      for (const [from, to, offset] of [
        [FROM - 3 * D + 12_345, TO - 54_321, undefined],
        [FROM + 7, FROM + 5 * H + 1, '90m'],
      ] as const) {
        const movers = await query({ type: 'movers', from, to, metrics: ['requests'], limit: 2, ...(offset ? { offset } : {}) });
        const totals = async (a: number, b: number) => (await query({ type: 'totals', from: a, to: b, metrics: ['requests'] })).totals.requests;
        expect(movers.totals.current).toBe(await totals(from, to));
        expect(movers.totals.previous).toBe(await totals(movers.previousFrom, movers.previousTo));
        expect(movers.previousTo - movers.previousFrom).toBe(to - from);
        const sum = (side: 'current' | 'previous') => movers.rows.reduce((n: number, r: any) => n + r[side], 0) + (movers.other?.[side] ?? 0);
        expect([sum('current'), sum('previous')]).toEqual([movers.totals.current, movers.totals.previous]);
        expect(movers.totals.current + movers.totals.previous).toBeGreaterThan(0);
      }
    });

    test('a money metric moves as its totals do', async () => {
      const movers = await query({ type: 'movers', from: FROM, to: TO, metrics: ['cost'] });
      const cost = async (from: number, to: number) => (await query({ type: 'totals', from, to, metrics: ['cost'] })).totals.cost;
      expect([movers.totals.current, movers.totals.previous]).toEqual([await cost(FROM, TO), await cost(FROM - D, FROM)]);
    });

    test('a range at the epoch compares with an empty earlier range', async () => {
      const got = await query({ type: 'movers', from: 0, to: 1000 });
      expect(got).toMatchObject({ previousFrom: 0, previousTo: 0, rows: [], other: null, totals: { current: 0, previous: 0, change: 0, changeRatio: null } });
    });

    test('bad movers queries are refused naming the field', async () => {
      for (const [body, message] of [
        [{ metrics: ['total_tokens', 'requests'] }, 'metrics: a movers query compares one metric'],
        [{ offset: '7 days' }, "offset: '7 days' must be a duration such as"],
        [{ offset: '0d' }, 'offset:'],
        [{ offset: 7 }, 'offset: must be a duration'],
      ] as const) {
        for (const r of running) {
          const res = await r.server.json('POST', '/api/v1/query', { type: 'movers', from: FROM, to: TO, ...body });
          expect(res.status).toBe(400);
          expect(res.body.error.message).toContain(message);
        }
      }
    });
  });

  describe('largest calls', () => {
    const range = { from: C, to: C + 120 * M };
    const names = (got: any) => got.calls.map((c: any) => c.modelType);

    test('ordered by total tokens: ties go to the earlier call, then the service; the range edges hold', async () => {
      const got = await query({ type: 'calls', ...range, limit: 10 });
      // c3 900, c8 700, then three of 600: c4 and c1 at the same time (service s0 before s1), c2 later; c7 50.
      // c5 (at the range's end) and c6 (just before it) are outside; c1 was sent twice and is listed once.
      expect(names(got)).toEqual(['c3', 'c8', 'c4', 'c1', 'c2', 'c7']);
      expect(got).toMatchObject({ type: 'calls', orderBy: 'total_tokens', from: C, to: C + 120 * M, beforeRawEvents: false });
      // The earliest raw event kept is the movers set's model-g call, a week before that range.
      expect(got.rawEventsFrom).toBe(FROM - 7 * D + H);
      expect(got.calls[3]).toEqual({
        time: C + 10 * M,
        service: 's1',
        model: 'm1',
        modelType: 'c1',
        apiKey: 'team-a',
        apiKeyLabel: 'team-a',
        inputTokens: 500,
        outputTokens: 100,
        totalTokens: 600,
        cacheReadTokens: 50,
        cacheWriteTokens: 0,
        reasoningTokens: 30,
        durationMs: 2000,
        id: 'call-1',
        traceId: TRACE_1,
        spanId: '00f067aa0ba902b7',
      });
      // A call without id, trace or duration.
      expect(got.calls[4]).toMatchObject({ modelType: 'c2', totalTokens: 600, durationMs: null, id: null, traceId: null, spanId: null });
    });

    test('ordered by duration: calls without one come last, earlier first', async () => {
      const got = await query({ type: 'calls', ...range, orderBy: 'duration_ms' });
      expect(names(got)).toEqual(['c7', 'c1', 'c8', 'c3', 'c4', 'c2']);
      expect(got.calls[0]).toMatchObject({ durationMs: 30_000, traceId: TRACE_7, spanId: 'b7ad6b7169203331' });
    });

    test('ordered by reasoning tokens, and by cache tokens (read + write)', async () => {
      expect(names(await query({ type: 'calls', ...range, orderBy: 'reasoning_tokens', limit: 4 }))).toEqual(['c8', 'c1', 'c7', 'c3']);
      expect(names(await query({ type: 'calls', ...range, orderBy: 'cache_tokens' }))).toEqual(['c3', 'c1', 'c7', 'c4', 'c2', 'c8']);
    });

    test('the limit and the filters apply; a secret key is filtered by its raw value and shown only masked', async () => {
      expect(names(await query({ type: 'calls', ...range, limit: 2 }))).toEqual(['c3', 'c8']);
      const m2 = await query({ type: 'calls', ...range, filters: { model: ['m2'] } });
      expect(names(m2)).toEqual(['c8', 'c7']);
      // The earliest raw event is the earliest the filters let through: c7, an hour into the range.
      expect(m2).toMatchObject({ rawEventsFrom: C + 60 * M, beforeRawEvents: true });
      const secret = await query({ type: 'calls', ...range, filters: { api_key: [SECRET_KEY] } });
      expect(names(secret)).toEqual(['c3']);
      expect(secret.calls[0].apiKeyLabel).toMatch(/^sk-…[0-9a-f]{4}$/);
      expect(secret.calls[0].apiKey).not.toBe(SECRET_KEY);
      expect(JSON.stringify(secret)).not.toContain(SECRET_KEY);
    });

    test('a range that starts before the earliest raw event says so', async () => {
      const got = await query({ type: 'calls', from: FROM - 30 * D, to: FROM, limit: 1 });
      expect(got).toMatchObject({ beforeRawEvents: true, rawEventsFrom: FROM - 7 * D + H });
      expect(got.calls).toHaveLength(1);
    });

    test('a bad order is refused naming the field and the valid orders', async () => {
      for (const r of running) {
        const res = await r.server.json('POST', '/api/v1/query', { type: 'calls', ...range, orderBy: 'tokens' });
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain("orderBy: unknown call order 'tokens'; valid orders: total_tokens");
      }
    });
  });
});
