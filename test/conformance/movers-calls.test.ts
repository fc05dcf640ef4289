/**
 * Top movers and the largest calls on every storage engine, against a small hand-made set of events whose
 * answers are worked out by hand below (not by summing in code). `ENGINES=duckdb` narrows the run.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';
import { SECRET_KEY, ndjson, type ClientEvent } from '../support/usage-events';
import { selectedEngines } from './conformance-engines';

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
    }
  }, 300_000);
  afterAll(async () => {
    for (const r of running) {
      await r.server.stop();
      await r.stop();
    }
  });

  /** Asks every engine; all answers must be identical. Returns the first. */
  async function query(body: Record<string, unknown>): Promise<any> {
    const answers: unknown[] = [];
    for (const r of running) {
      const res = await r.server.json('POST', '/api/v1/query', body);
      expect(res.status, `${r.name}: ${JSON.stringify(res.body).slice(0, 500)}`).toBe(200);
      answers.push(res.body);
    }
    answers.slice(1).forEach((a, i) => expect(a, `${running[i + 1].name} differs from ${running[0].name}`).toEqual(answers[0]));
    return answers[0];
  }
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
});
