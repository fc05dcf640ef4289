/** GET /metrics on a real backend: access, live counters (stored, recent events only), outcomes, cardinality. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parsePrometheusText, samplesOf, sumOf, type Sample } from '../support/prometheus-text';
import { startTestServer, type TestServer } from '../support/test-server';
import { SECRET_KEY, type ClientEvent } from '../support/usage-events';

const INGEST = 'ingest-token-0123456789';
const READ = 'read-token-0123456789ab';
const SCRAPE = 'scrape-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const MIN = 60_000;

async function scrape(server: TestServer, token?: string): Promise<Sample[]> {
  const res = await fetch(`${server.url}/metrics`, { headers: token ? bearer(token) : {} });
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text());
}

function fresh(n: number, prefix: string, over: Partial<ClientEvent> = {}): ClientEvent[] {
  const models = ['glm-5', 'kimi-k2.5', 'deepseek-v4'];
  const keys = ['team-search', SECRET_KEY];
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    timestamp: Date.now() - (i % 5) * 1000,
    service: i % 2 ? 'chat' : 'batch',
    model: models[i % 3],
    api_key: keys[i % 2],
    input_tokens: 100 + i,
    output_tokens: 10 + (i % 7),
    cache_read_tokens: i % 4 === 0 ? 50 : 0,
    ...over,
  }));
}

/** Input + output tokens per model: the plain sums of what was sent. */
function tokensByModel(events: readonly ClientEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.model] = (out[e.model] ?? 0) + e.input_tokens + e.output_tokens;
  return out;
}

function liveTokensByModel(samples: readonly Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samplesOf(samples, 'tokenscope_tokens_total')) {
    if (s.labels.token_type === 'input' || s.labels.token_type === 'output') out[s.labels.model] = (out[s.labels.model] ?? 0) + s.value;
  }
  return out;
}

describe('GET /metrics with auth on', () => {
  let server: TestServer;
  const post = (events: unknown[]) => server.json('POST', '/api/v1/usage', events, bearer(INGEST));
  beforeAll(async () => {
    server = await startTestServer({}, { TOKENSCOPE_INGEST_TOKENS: INGEST, TOKENSCOPE_READ_TOKENS: READ, TOKENSCOPE_METRICS_TOKENS: SCRAPE });
  });
  afterAll(() => server.stop());

  test('takes a read or a scrape token; refuses none, an ingest token, and the scrape token elsewhere', async () => {
    const status = async (path: string, headers: Record<string, string> = {}) => (await fetch(server.url + path, { headers })).status;
    expect(await status('/metrics')).toBe(401);
    expect(await status('/metrics', bearer('not-a-token-at-all-0000'))).toBe(401);
    expect(await status('/metrics', bearer(INGEST))).toBe(403);
    expect(await status('/metrics', bearer(READ))).toBe(200);
    expect(await status('/metrics', bearer(SCRAPE))).toBe(200);
    const query = await server.json('POST', '/api/v1/query', { type: 'totals', from: 0, to: Date.now() }, bearer(SCRAPE));
    expect(query.status).toBe(403);
    expect(query.body.error.message).toBe('this token may only scrape /metrics; use a read token');
    const missing = await server.json('GET', '/metrics');
    expect(missing.body.error.message).toContain('with a read or metrics token');
  });

  test('serves the Prometheus text format with process metrics and every ingest outcome from the start', async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: bearer(SCRAPE) });
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parsePrometheusText(await res.text());
    expect(samplesOf(samples, 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(samplesOf(samples, 'nodejs_heap_size_used_bytes')).toHaveLength(1);
    expect(
      samplesOf(samples, 'tokenscope_ingest_events_total')
        .map((s) => s.labels.outcome)
        .sort(),
    ).toEqual(['accepted', 'duplicate', 'rejected']);
  });

  test('live counters follow stored recent events; duplicates, backfills and rejects move only the outcome counters', async () => {
    const before = await scrape(server, SCRAPE);
    const burst = fresh(60, 'burst');
    expect((await post(burst)).body).toMatchObject({ accepted: 60, duplicates: 0 });
    const afterBurst = await scrape(server, SCRAPE);
    expect(liveTokensByModel(afterBurst)).toEqual(tokensByModel(burst));
    expect(sumOf(afterBurst, 'tokenscope_requests_total')).toBe(60);
    expect(sumOf(afterBurst, 'tokenscope_tokens_total', { token_type: 'cache_read' })).toBe(burst.reduce((n, e) => n + (e.cache_read_tokens ?? 0), 0));

    // The same ids again, plus one new event and two invalid ones.
    const extra = fresh(1, 'extra', { model: 'glm-5' });
    const again = await post([...burst.slice(0, 20), ...extra, { service: 'chat' }, { ...extra[0], id: 'bad', input_tokens: -1 }]);
    expect(again.body).toMatchObject({ accepted: 1, duplicates: 20, rejected_total: 2 });
    // A backfill: stored, but stamped an hour and a day ago, so it never reaches the live counters.
    const old = [...fresh(30, 'old-hour', { timestamp: Date.now() - 60 * MIN }), ...fresh(10, 'old-day', { timestamp: Date.now() - 1440 * MIN })];
    expect((await post(old)).body).toMatchObject({ accepted: 40, duplicates: 0 });

    const after = await scrape(server, SCRAPE);
    expect(liveTokensByModel(after)).toEqual(tokensByModel([...burst, ...extra]));
    expect(sumOf(after, 'tokenscope_requests_total')).toBe(61);
    const delta = (name: string, labels: Record<string, string> = {}) => sumOf(after, name, labels) - sumOf(before, name, labels);
    expect(delta('tokenscope_ingest_events_total', { outcome: 'accepted' })).toBe(60 + 1 + 40);
    expect(delta('tokenscope_ingest_events_total', { outcome: 'duplicate' })).toBe(20);
    expect(delta('tokenscope_ingest_events_total', { outcome: 'rejected' })).toBe(2);
    expect(delta('tokenscope_live_events_outside_window_total')).toBe(40);

    // The backfill is in the store all the same.
    const totals = await server.json(
      'POST',
      '/api/v1/query',
      { type: 'totals', from: Date.now() - 2000 * MIN, to: Date.now() - 30 * MIN, metrics: ['requests'] },
      bearer(READ),
    );
    expect(totals.body.totals.requests).toBe(40);
  });

  test('the api_key label is the stored id the query API filters by, never the key as sent', async () => {
    const text = await (await fetch(`${server.url}/metrics`, { headers: bearer(READ) })).text();
    expect(text).not.toContain(SECRET_KEY);
    expect(text).not.toContain(SECRET_KEY.slice(-12));
    const ranking = await server.json(
      'POST',
      '/api/v1/query',
      { type: 'ranking', dimension: 'api_key', from: Date.now() - 30 * MIN, to: Date.now() + MIN },
      bearer(READ),
    );
    const storedIds = ranking.body.rows.map((r: { key: string }) => r.key).sort();
    expect(storedIds).toHaveLength(2);
    const labelled = [...new Set(samplesOf(parsePrometheusText(text), 'tokenscope_requests_total').map((s) => s.labels.api_key))].sort();
    expect(labelled).toEqual(storedIds);
    expect(labelled.find((k) => k !== 'team-search')).toMatch(/^key:[0-9a-f]{16}$/);
  });

  test('request durations are labelled by route template and status, never by the raw URL', async () => {
    await server.json('GET', `/api/v1/dimensions/model/values?api_key=${SECRET_KEY}`, undefined, bearer(READ));
    await server.json('GET', '/api/v1/no-such-route?api_key=zz-hidden-value', undefined, bearer(READ));
    const text = await (await fetch(`${server.url}/metrics`, { headers: bearer(READ) })).text();
    expect(text).not.toContain('zz-hidden-value');
    expect(text).not.toContain(SECRET_KEY);
    const counts = samplesOf(parsePrometheusText(text), 'tokenscope_http_request_duration_seconds_count');
    const count = (labels: Record<string, string>) => counts.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(count({ method: 'GET', route: '/api/v1/dimensions/:dimension/values', status: '200' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(count({ method: 'GET', route: '/metrics', status: '401' })).toBeGreaterThanOrEqual(2);
    expect(count({ method: 'POST', route: '/api/v1/usage', status: '200' })).toBe(3);
  });
});

describe('label-set cap and api_key switch', () => {
  let capped: TestServer;
  let keyless: TestServer;
  beforeAll(async () => {
    [capped, keyless] = await Promise.all([
      startTestServer({}, { TOKENSCOPE_METRICS_MAX_LABEL_SETS: '2' }),
      startTestServer({}, { TOKENSCOPE_METRICS_API_KEY_LABEL: 'off' }),
    ]);
  });
  afterAll(() => Promise.all([capped.stop(), keyless.stop()]));

  const events = fresh(12, 'cap').map((e, i) => ({ ...e, api_key: `key-${i % 4}` }));

  test('beyond the cap, new label sets are counted in one all-"other" set and no token is lost', async () => {
    await capped.json('POST', '/api/v1/usage', events);
    const samples = await scrape(capped);
    const sets = samplesOf(samples, 'tokenscope_requests_total');
    expect(sets).toHaveLength(3);
    expect(sets.filter((s) => s.labels.api_key === 'other')).toEqual([
      { name: 'tokenscope_requests_total', labels: { service: 'other', model: 'other', model_type: 'other', api_key: 'other' }, value: expect.any(Number) },
    ]);
    expect(sumOf(samples, 'tokenscope_requests_total')).toBe(12);
    const sent = Object.values(tokensByModel(events)).reduce((a, b) => a + b, 0);
    expect(Object.values(liveTokensByModel(samples)).reduce((a, b) => a + b, 0)).toBe(sent);
    expect(sumOf(samples, 'tokenscope_live_overflow_events_total')).toBe(sumOf(samples, 'tokenscope_requests_total', { api_key: 'other' }));
  });

  test('with TOKENSCOPE_METRICS_API_KEY_LABEL=off no series carries api_key and keys of a model add up', async () => {
    await keyless.json('POST', '/api/v1/usage', events);
    const samples = await scrape(keyless);
    const live = [...samplesOf(samples, 'tokenscope_tokens_total'), ...samplesOf(samples, 'tokenscope_requests_total')];
    expect(live.length).toBeGreaterThan(0);
    expect(live.filter((s) => 'api_key' in s.labels)).toEqual([]);
    expect(liveTokensByModel(samples)).toEqual(tokensByModel(events));
    const sets = new Set(events.map((e) => `${e.service}/${e.model}/${e.model_type ?? 'text_generation'}`));
    expect(new Set(events.map((e) => e.api_key)).size).toBeGreaterThan(1);
    expect(samplesOf(samples, 'tokenscope_requests_total')).toHaveLength(sets.size);
  });
});

describe("the store's memory", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  test('DuckDB reports its own memory and the id index by part; the index holds the days of the stored ids', async () => {
    const part = (samples: Sample[], name: string) => samplesOf(samples, 'tokenscope_store_memory_bytes').find((s) => s.labels.part === name)?.value;
    const before = await scrape(server);
    expect(part(before, 'engine')).toBeGreaterThan(0);
    expect(part(before, 'id_index')).toBe(0);
    expect((await server.json('POST', '/api/v1/usage', fresh(50, 'memory'))).body).toMatchObject({ accepted: 50 });
    const after = await scrape(server);
    // Each UTC day within the resend window of the events (a day either side) is loaded, its table at first 1,024
    // slots of 8 bytes; the events, stamped within the last few seconds, span one UTC day or two.
    expect([3 * 8192, 4 * 8192]).toContain(part(after, 'id_index'));
    expect(part(after, 'engine')).toBeGreaterThan(0);
  });
});
