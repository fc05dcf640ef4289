import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/test-server';
import { demoEvents } from './demo-traffic';
import { DAY_MS, seedDemo } from './seed-demo';

const NOW = Date.UTC(2026, 4, 20, 13, 17, 42);
const DAYS = 2;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const totals = async () => {
  const res = await server.json('POST', '/api/v1/query', {
    type: 'totals',
    from: NOW - DAYS * DAY_MS,
    to: NOW,
    metrics: ['requests', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'],
  });
  expect(res.status).toBe(200);
  return res.body.totals;
};

test('seeding stores the generated events, and seeding the same period again stores nothing new', async () => {
  const progress: number[] = [];
  const first = await seedDemo(server.store, { days: DAYS, now: NOW, batchSize: 7000, onProgress: (fraction) => progress.push(fraction) });

  // The oracle: the generator's own events over the same range, summed here.
  const expected = { requests: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
  for (const e of demoEvents({ from: NOW - DAYS * DAY_MS, to: NOW })) {
    expected.requests++;
    expected.input_tokens += e.input_tokens;
    expected.output_tokens += e.output_tokens;
    expected.cache_read_tokens += e.cache_read_tokens;
    expected.cache_write_tokens += e.cache_write_tokens;
  }
  expect(first).toMatchObject({ events: expected.requests, accepted: expected.requests, duplicates: 0 });
  expect(await totals()).toEqual(expected);
  expect(progress.at(-1)).toBe(1);
  expect(progress.length).toBeGreaterThan(3);

  const second = await seedDemo(server.store, { days: DAYS, now: NOW });
  expect(second).toMatchObject({ events: expected.requests, accepted: 0, duplicates: expected.requests });
  expect(await totals()).toEqual(expected);
  expect((await server.json('GET', '/api/v1/health')).body.events).toBe(expected.requests);
});

test('a later, overlapping seed adds only the events of the new time', async () => {
  const later = NOW + 3_600_000;
  const result = await seedDemo(server.store, { days: DAYS, now: later });
  const newHour = [...demoEvents({ from: NOW, to: later })].length;
  const droppedHour = [...demoEvents({ from: NOW - DAYS * DAY_MS, to: later - DAYS * DAY_MS })].length;
  expect(result.accepted).toBe(newHour);
  expect(result.duplicates).toBe(result.events - newHour);
  expect(result.events).toBe((await totals()).requests - droppedHour + newHour);
});
