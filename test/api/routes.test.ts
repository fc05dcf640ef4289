/** Export, dimension values, health and OpenAPI on a real server. */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';
import { SECRET_KEY, groupedBy, makeEvents, ndjson, sumOf, within } from '../support/usage-events';

const H = 3_600_000;
let server: TestServer;
const end = Math.floor(Date.now() / H) * H;
const start = end - 24 * H;
const events = makeEvents(3000, start, 24 * H, 5);

beforeAll(async () => {
  server = await startTestServer();
  await server.json('POST', '/api/v1/usage', ndjson(events), { 'content-type': 'application/x-ndjson' });
});
afterAll(() => server.stop());

test('export: CSV attachment, one row per resource per bucket, columns sum to the totals', async () => {
  const res = await fetch(`${server.url}/api/v1/export?from=${start}&to=${end}&dimension=model&granularity=1h&limit=3&timezone=Asia/Kolkata`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="tokenscope-model-\d{8}-\d{4}\.csv"$/);
  const rows: Record<string, string>[] = parse(await res.text(), { columns: true });
  expect(Object.keys(rows[0])).toEqual([
    'time',
    'model',
    'total_tokens',
    'input_tokens',
    'output_tokens',
    'cache_read_tokens',
    'cache_write_tokens',
    'reasoning_tokens',
    'requests',
    'total_tokens_per_minute',
    'input_tokens_per_minute',
    'output_tokens_per_minute',
    'concurrency',
    'cost',
    'input_cost',
    'cache_read_cost',
    'cache_write_cost',
    'output_cost',
    'source_cost',
    'unpriced_tokens',
  ]);
  // Money is exact decimal text with six places (micro-units); these events carry no cost of their own.
  for (const r of rows) expect(r.cost).toMatch(/^\d+\.\d{6}$/);
  expect(rows.every((r) => r.source_cost === '0.000000')).toBe(true);
  const want = sumOf(within(events, start, end));
  expect(rows.reduce((n, r) => n + Number(r.total_tokens), 0)).toBe(want.total_tokens);
  expect(rows.reduce((n, r) => n + Number(r.requests), 0)).toBe(want.requests);
  const top = groupedBy(within(events, start, end), (e) => e.model)
    .slice(0, 3)
    .map((g) => g.key);
  expect(new Set(rows.map((r) => r.model))).toEqual(new Set([...top, 'other']));
  // Kolkata wall-clock hours: 10:00+05:30 is 04:30 UTC.
  expect(rows[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\+05:30$/);
  expect(Date.parse(rows[0].time) % H).toBe(H / 2);
});

test('export rounds rates for people (per-minute to 1 decimal, concurrency to 2) where JSON keeps full precision', async () => {
  const text = await (
    await fetch(`${server.url}/api/v1/export?from=${start}&to=${end}&granularity=1h&limit=2&metrics=total_tokens,total_tokens_per_minute,concurrency`)
  ).text();
  const rows: Record<string, string>[] = parse(text, { columns: true });
  for (const r of rows) {
    expect(r.total_tokens_per_minute).toMatch(/^\d+(\.\d)?$/);
    expect(Number(r.total_tokens_per_minute)).toBeCloseTo(Number(r.total_tokens) / 60, 1);
    expect(r.concurrency).toMatch(/^(\d+(\.\d{1,2})?)?$/);
  }
  const json = await server.json('POST', '/api/v1/query', { type: 'trend', from: start, to: end, granularity: '1h', metrics: ['total_tokens_per_minute'] });
  expect(json.body.series[0].values.some((v: number) => !Number.isInteger(v * 10))).toBe(true);
});

test('export by api key: masked label and the id filters take, never the raw key', async () => {
  const text = await (await fetch(`${server.url}/api/v1/export?from=${start}&to=${end}&dimension=api_key&granularity=1d&metrics=requests`)).text();
  expect(text).not.toContain(SECRET_KEY);
  const rows: Record<string, string>[] = parse(text, { columns: true });
  expect(Object.keys(rows[0])).toEqual(['time', 'api_key', 'api_key_id', 'requests']);
  expect(rows.find((r) => r.api_key === 'sk-…3b4c')?.api_key_id).toMatch(/^key:[0-9a-f]{16}$/);
});

test('export refuses a bad parameter with the field named', async () => {
  const res = await server.json('GET', `/api/v1/export?from=${start}&to=${end}&metrics=nope`);
  expect(res.status).toBe(400);
  expect(res.body.error.message).toContain("metrics[0]: unknown metric 'nope'");
});

test('dimension values: the values seen in the range, filtered, with labels', async () => {
  const all = await server.json('GET', `/api/v1/dimensions/service/values?from=${start}&to=${end}`);
  expect(all.body.values.map((v: { value: string }) => v.value).sort()).toEqual([...new Set(events.map((e) => e.service))].sort());
  const glm = await server.json('GET', `/api/v1/dimensions/service/values?from=${start}&to=${end}&model=glm-5&api_key=team-search`);
  expect(glm.body.values.map((v: { value: string }) => v.value).sort()).toEqual(
    [...new Set(within(events, start, end, { model: ['glm-5'], api_key: ['team-search'] }).map((e) => e.service))].sort(),
  );
  const keys = await server.json('GET', `/api/v1/dimensions/api_key/values?from=${start}&to=${end}`);
  expect(keys.body.values).toContainEqual({ value: expect.stringMatching(/^key:/), label: 'sk-…3b4c' });
  const none = await server.json('GET', `/api/v1/dimensions/service/values?from=${end + H}&to=${end + 2 * H}`);
  expect(none.body.values).toEqual([]);
  const bad = await server.json('GET', '/api/v1/dimensions/planet/values');
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toContain('valid dimensions: service, model, api_key, model_type');
});

test('health reports engine and event count; /healthz is public liveness', async () => {
  expect((await server.json('GET', '/api/v1/health')).body).toMatchObject({ status: 'ok', engine: 'duckdb', events: events.length, auth: false });
  expect((await server.json('GET', '/healthz')).body).toEqual({ status: 'ok' });
});

test('unknown routes answer a JSON 404', async () => {
  const res = await server.json('GET', '/api/v1/nothing?api_key=secret');
  expect(res.status).toBe(404);
  expect(res.body.error).toMatchObject({ code: 'not_found', message: expect.stringContaining('/api/v1/nothing') });
  expect(res.body.error.message).not.toContain('secret');
});

test('the OpenAPI document describes every route', async () => {
  const doc = (await server.json('GET', '/api/v1/openapi.json')).body;
  expect(doc.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.paths).sort()).toEqual(
    [
      '/api/v1/dimensions/{dimension}/values',
      '/api/v1/export',
      '/api/v1/health',
      '/api/v1/litellm',
      '/api/v1/query',
      '/api/v1/reprice',
      '/api/v1/usage',
      '/healthz',
      '/metrics',
      '/v1/traces',
      '/v1/metrics',
    ].sort(),
  );
  // Every documented operation is a route the app really serves.
  for (const [path, operations] of Object.entries(doc.paths as Record<string, object>)) {
    for (const method of Object.keys(operations)) {
      expect(server.app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${method} ${path}`).toBe(true);
    }
  }
});
