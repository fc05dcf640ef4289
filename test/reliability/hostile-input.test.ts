/**
 * Hostile input against a backend child process: malformed requests each get a 4xx JSON error naming the field
 * and the reason; malformed events inside a batch are listed by index, field and reason while the batch's
 * valid events are stored; slow-loris clients are cut off by the request timeout without holding up anyone
 * else. Through it all the server never answers 5xx, never logs an unhandled error and never exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnServer, type ServerProcess } from '../support/server-process';
import { ndjson, sumOf, type ClientEvent } from '../support/usage-events';

const REQUEST_TIMEOUT_MS = 2000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MB = 'x'.repeat(1024 * 1024);
const DAY = 86_400_000;
const now = Date.now();
const range = { from: now - DAY, to: now };

let server: ServerProcess;
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-hostile-'));

beforeAll(async () => {
  server = await spawnServer(['--db', join(dir, 'tokenscope.duckdb')], {
    TOKENSCOPE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    TOKENSCOPE_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  });
});
afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

interface Malformed {
  what: string;
  method?: 'GET' | 'POST';
  path: string;
  body?: string;
  type?: string;
  status: number;
  /** What the error message must say: the field and the reason. */
  says: RegExp;
}

const query = (q: Record<string, unknown>) => JSON.stringify({ type: 'totals', ...range, ...q });
const queryCase = (what: string, q: Record<string, unknown>, says: RegExp, status = 400): Malformed => ({
  what,
  path: '/api/v1/query',
  body: query(q),
  status,
  says,
});
const getCase = (what: string, path: string, says: RegExp, status = 400): Malformed => ({ what, method: 'GET', path, status, says });
const ingestCase = (what: string, body: string, type: string, says: RegExp, status = 400): Malformed => ({
  what,
  path: '/api/v1/usage',
  body,
  type,
  status,
  says,
});
const params = (p: Record<string, string | number>) => new URLSearchParams(Object.entries(p).map(([k, v]) => [k, String(v)])).toString();
const values = (p: Record<string, string | number>) => `/api/v1/dimensions/model/values?${params({ ...range, ...p })}`;
const exportOf = (p: Record<string, string | number>) => `/api/v1/export?${params({ ...range, ...p })}`;

const MALFORMED: Malformed[] = [
  // The query body as a whole.
  { what: 'query body not JSON', path: '/api/v1/query', body: '{"type": totals}', status: 400, says: /body is not valid JSON/ },
  { what: 'query body truncated', path: '/api/v1/query', body: '{"type":"totals","from":1', status: 400, says: /body is not valid JSON/ },
  { what: 'query body empty', path: '/api/v1/query', body: '', status: 400, says: /body is empty/ },
  { what: 'query body an array', path: '/api/v1/query', body: '[]', status: 400, says: /body must be a JSON object/ },
  { what: 'query body a string', path: '/api/v1/query', body: '"totals"', status: 400, says: /body must be a JSON object/ },
  { what: 'query body with a prototype-poisoning key', path: '/api/v1/query', body: '{"type":"totals","__proto__":{"admin":true}}', status: 400, says: /JSON/ },
  { what: 'query body as text/csv', path: '/api/v1/query', body: 'type,from\ntotals,1', type: 'text/csv', status: 415, says: /Content-Type/ },
  { what: 'query body over 1 MB', path: '/api/v1/query', body: query({ metrics: [MB, MB] }), status: 413, says: /too large/ },
  // Fields: wrong types, unknown names, impossible values.
  queryCase('type missing', { type: undefined }, /^type: is required; valid types: totals, ranking, trend, movers, calls$/),
  queryCase('type unknown', { type: 'pie' }, /type: unknown query type 'pie'; valid types/),
  queryCase('type a number', { type: 7 }, /type: unknown query type '7'/),
  queryCase('from missing', { from: undefined }, /^from: is required: epoch milliseconds or RFC 3339 text$/),
  queryCase('from an object', { from: { $gt: 0 } }, /from: must be epoch milliseconds or RFC 3339/),
  queryCase('from unparseable', { from: 'yesterday' }, /from: 'yesterday' is not RFC 3339/),
  queryCase('from an impossible date', { from: '2026-02-30T00:00:00Z' }, /from: '2026-02-30T00:00:00Z' is not a valid date/),
  queryCase('from fractional', { from: 1.5 }, /from: must be an integer of epoch milliseconds/),
  queryCase('from NaN as text', { from: 'NaN' }, /from: 'NaN' is not RFC 3339/),
  queryCase('from huge', { from: 1e300 }, /from: must be epoch milliseconds from -9007199254740991 to 9007199254740991/),
  queryCase('from 16 digits past 2^53', { from: '9999999999999999' }, /from: must be epoch milliseconds from/),
  queryCase('to with a SQL fragment', { to: `${now}; DROP TABLE events` }, /to: '.*' is not RFC 3339/),
  queryCase('from after to', { from: now, to: now - DAY }, /from: must be before to/),
  queryCase('from equal to to', { from: now, to: now }, /from: must be before to/),
  queryCase('metrics unknown', { metrics: ['tokens'] }, /metrics\[0\]: unknown metric 'tokens'; valid metrics: total_tokens/),
  queryCase('metrics a string', { metrics: 'total_tokens' }, /metrics: must be a list of metric ids/),
  queryCase('metrics empty', { metrics: [] }, /metrics: name at least one metric/),
  queryCase('metrics with SQL', { metrics: ['total_tokens) FROM events; --'] }, /metrics\[0\]: unknown metric/),
  queryCase('metrics a 900 KB name', { metrics: ['y'.repeat(900_000)] }, /^metrics\[0\]: unknown metric 'y{64}…'; valid metrics/),
  queryCase(
    'dimension unknown',
    { type: 'ranking', dimension: 'region' },
    /dimension: unknown dimension 'region'; valid dimensions: service, model, api_key, model_type/,
  ),
  queryCase('dimension with SQL', { type: 'ranking', dimension: 'model, (SELECT 1)' }, /dimension: unknown dimension/),
  queryCase('filters unknown dimension', { filters: { region: ['eu'] } }, /filters: unknown filter 'region'; valid filters/),
  queryCase('filters not an object', { filters: ['glm-5'] }, /filters: must be an object/),
  queryCase('filter value not a list', { filters: { model: 'glm-5' } }, /filters\.model: must be a list of strings/),
  queryCase('filter value a number', { filters: { model: [5] } }, /filters\.model\[0\]/),
  queryCase('filter value over 512 characters', { filters: { service: ['s'.repeat(513)] } }, /filters\.service\[0\]: a value is longer than 512 characters/),
  queryCase('filter list over 1000 values', { filters: { model: Array.from({ length: 1001 }, (_, i) => `m${i}`) } }, /filters\.model: at most 1000 values/),
  queryCase('granularity unknown', { type: 'trend', granularity: '1s' }, /granularity: unknown granularity '1s'; valid granularities/),
  queryCase(
    '1m granularity over a year',
    { type: 'trend', granularity: '1m', from: now - 366 * DAY },
    /granularity: '1m' gives about .* buckets .* use granularity '1h' or coarser/,
  ),
  queryCase('limit zero', { type: 'ranking', limit: 0 }, /limit: must be a whole number from 1 to 1000/),
  queryCase('limit fractional', { type: 'ranking', limit: 2.5 }, /limit: must be a whole number from 1 to 1000/),
  queryCase('limit huge', { type: 'ranking', limit: 1e9 }, /limit: must be a whole number from 1 to 1000/),
  queryCase('limit as text', { type: 'ranking', limit: '10' }, /limit: must be a whole number from 1 to 1000/),
  queryCase('timezone unknown', { type: 'trend', timezone: 'Mars/Olympus' }, /timezone: unknown time zone 'Mars\/Olympus'/),
  queryCase('timezone with SQL', { type: 'trend', timezone: "UTC'; DROP TABLE events; --" }, /timezone: unknown time zone/),
  queryCase('intervalMs negative', { type: 'trend', intervalMs: -5 }, /intervalMs: must be positive/),
  queryCase('maxDataPoints fractional', { type: 'trend', maxDataPoints: 1.5 }, /maxDataPoints: must be a whole number/),
  // The GET routes' query parameters.
  getCase('values of an unknown dimension', '/api/v1/dimensions/region/values', /unknown dimension 'region'; valid dimensions/),
  getCase('values of a dimension with SQL', `/api/v1/dimensions/${encodeURIComponent("model' OR '1'='1")}/values`, /unknown dimension/),
  getCase('values with from unparseable', values({ from: 'soon' }), /from: 'soon' is not RFC 3339/),
  getCase('values with from after to', values({ from: now, to: now - DAY }), /from: must be before to/),
  getCase('values with filters not JSON', values({ filters: '{model:' }), /filters: must be JSON/),
  getCase('values with an unknown filter', values({ filters: '{"region":["eu"]}' }), /filters: unknown filter 'region'/),
  getCase('values with a bad time zone', values({ timezone: 'Nowhere/Land' }), /timezone: unknown time zone/),
  getCase('export with an unknown metric', exportOf({ metrics: 'nope' }), /metrics\[0\]: unknown metric 'nope'/),
  getCase('export with an unknown dimension', exportOf({ dimension: 'region' }), /dimension: unknown dimension 'region'/),
  getCase('export at 1m over a year', exportOf({ granularity: '1m', from: now - 366 * DAY }), /granularity: '1m' gives about/),
  getCase('export with limit zero', exportOf({ limit: 0 }), /limit: must be a whole number/),
  getCase('a URL over the header size limit', values({ model: 'm'.repeat(20_000) }), /headers are too large/, 431),
  getCase('an unknown route', '/api/v1/usage/../../etc/passwd', /no route GET/, 404),
  // The ingest body as a whole.
  ingestCase('ingest JSON not JSON', 'this is not json', 'application/json', /body is not valid JSON/),
  ingestCase('ingest JSON truncated', '[{"timestamp":', 'application/json', /body is not valid JSON/),
  ingestCase('ingest JSON a number', '42', 'application/json', /body must be a JSON array of events/),
  ingestCase('ingest JSON null', 'null', 'application/json', /body must be a JSON array of events/),
  ingestCase(
    'ingest as text/csv',
    'timestamp,service\n1,s',
    'text/csv',
    /unsupported Content-Type 'text\/csv'; send application\/json \(a JSON array of events, or one event object\) or application\/x-ndjson/,
    415,
  ),
  ingestCase('ingest as XML', '<usage/>', 'application/xml', /unsupported Content-Type/, 415),
  ingestCase(
    'ingest over the body size limit',
    'x'.repeat(MAX_BODY_BYTES + 1),
    'application/x-ndjson',
    /body is larger than 4194304 bytes; send the events in smaller batches/,
    413,
  ),
];

async function send(c: Malformed): Promise<{ status: number; text: string }> {
  const res = await fetch(server.url + c.path, {
    method: c.method ?? 'POST',
    headers: c.body === undefined ? {} : { 'content-type': c.type ?? 'application/json' },
    body: c.body,
  });
  return { status: res.status, text: await res.text() };
}

describe('malformed requests', () => {
  test('there are at least 50 of them', () => {
    expect(MALFORMED.length).toBeGreaterThanOrEqual(50);
  });

  test.each(MALFORMED.map((c) => [c.what, c] as const))('%s: 4xx with a JSON error naming field and reason', async (_what, c) => {
    const { status, text } = await send(c);
    expect(status, text.slice(0, 300)).toBe(c.status);
    const body = JSON.parse(text);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toMatch(/^[a-z_]+$/);
    expect(body.error.message).toMatch(c.says);
    // A reason, not an echo: the answer stays small whatever was sent.
    expect(text.length).toBeLessThan(2000);
  });
});

/** A valid event of `service`, stamped within the last hour. */
const ok = (service: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  timestamp: new Date(now - 30 * 60_000).toISOString(),
  service,
  model: 'glm-5',
  input_tokens: 100,
  output_tokens: 20,
  ...over,
});

/** One bad event each (or one bad NDJSON line), with the field and reason its rejection must name. */
const BAD_EVENTS: [string, string, RegExp][] = [
  ['negative input', JSON.stringify(ok('x', { input_tokens: -5 })), /^input_tokens: must be an integer >= 0$/],
  ['fractional output', JSON.stringify(ok('x', { output_tokens: 2.5 })), /^output_tokens: must be an integer >= 0$/],
  ['NaN (as text)', JSON.stringify(ok('x', { input_tokens: 'NaN' })), /^input_tokens: must be an integer >= 0$/],
  ['NaN (bare, not JSON)', '{"timestamp":1,"service":"x","model":"m","input_tokens":NaN,"output_tokens":1}', /^line is not valid JSON/],
  ['huge count (2^60)', JSON.stringify(ok('x', { input_tokens: 2 ** 60 })), /^input_tokens: must be at most 9007199254740991/],
  ['count past doubles (1e400)', '{"timestamp":1,"service":"x","model":"m","input_tokens":1e400,"output_tokens":1}', /^input_tokens: must be an integer >= 0$/],
  ['count as text', JSON.stringify(ok('x', { output_tokens: '5' })), /^output_tokens: must be an integer >= 0$/],
  ['count as boolean', JSON.stringify(ok('x', { output_tokens: true })), /^output_tokens: must be an integer >= 0$/],
  ['count as array', JSON.stringify(ok('x', { input_tokens: [1] })), /^input_tokens: must be an integer >= 0$/],
  ['cache read above input', JSON.stringify(ok('x', { cache_read_tokens: 101 })), /^cache_read_tokens: must not exceed input_tokens$/],
  ['cache write above input', JSON.stringify(ok('x', { cache_write_tokens: 500 })), /^cache_write_tokens: must not exceed input_tokens$/],
  ['cache negative', JSON.stringify(ok('x', { cache_read_tokens: -1 })), /^cache_read_tokens: must be an integer >= 0$/],
  ['timestamp missing', JSON.stringify(ok('x', { timestamp: undefined })), /^timestamp: is required$/],
  ['service missing', JSON.stringify(ok('x', { service: undefined })), /^service: is required$/],
  ['model missing', JSON.stringify(ok('x', { model: undefined })), /^model: is required$/],
  ['input missing', JSON.stringify(ok('x', { input_tokens: undefined })), /^input_tokens: is required$/],
  ['output null', JSON.stringify(ok('x', { output_tokens: null })), /^output_tokens: must be an integer >= 0$/],
  ['timestamp unparseable', JSON.stringify(ok('x', { timestamp: 'last tuesday' })), /^timestamp: 'last tuesday' is not RFC 3339/],
  ['timestamp far future', JSON.stringify(ok('x', { timestamp: '2999-01-01T00:00:00Z' })), /^timestamp: must not be more than a day in the future$/],
  ['timestamp before 1970', JSON.stringify(ok('x', { timestamp: '1969-12-31T23:59:59Z' })), /^timestamp: must not be before 1970-01-01T00:00:00Z$/],
  ['timestamp negative epoch', JSON.stringify(ok('x', { timestamp: -1 })), /^timestamp: must not be before 1970/],
  ['timestamp an impossible date', JSON.stringify(ok('x', { timestamp: '2026-02-30 00:00:00' })), /^timestamp: '2026-02-30 00:00:00' is not a valid date/],
  ['timestamp past 2^53', JSON.stringify(ok('x', { timestamp: 1e300 })), /^timestamp: must be epoch milliseconds from/],
  ['timestamp an object', JSON.stringify(ok('x', { timestamp: { $date: 1 } })), /^timestamp: must be RFC 3339 text or epoch milliseconds$/],
  ['1 MB service', JSON.stringify(ok(MB)), /^service: must be at most 256 characters$/],
  ['1 MB api key', JSON.stringify(ok('x', { api_key: `sk-${MB}` })), /^api_key: must be at most 256 characters$/],
  ['NUL in service', JSON.stringify(ok('a\u0000b')), /^service: must not contain control characters$/],
  ['newline in model', JSON.stringify(ok('x', { model: 'glm\n5' })), /^model: must not contain control characters$/],
  ['DEL in api key', JSON.stringify(ok('x', { api_key: 'team\u007f' })), /^api_key: must not contain control characters$/],
  ['empty model', JSON.stringify(ok('x', { model: '' })), /^model: must not be empty$/],
  ['service a number', JSON.stringify(ok('x', { service: 42 })), /^service: must be a string$/],
  ['model type with SQL', JSON.stringify(ok('x', { model_type: "text'); DROP TABLE events; --" })), /^model_type: must be a lowercase id/],
  ['id too long', JSON.stringify(ok('x', { id: 'i'.repeat(300) })), /^id: must be at most 256 characters$/],
  ['id an object', JSON.stringify(ok('x', { id: { $ne: null } })), /^id: must be a string$/],
  ['duration negative', JSON.stringify(ok('x', { duration_ms: -1 })), /^duration_ms: must be a number of milliseconds from 0 to 86400000$/],
  ['duration as text', JSON.stringify(ok('x', { duration_ms: 'fast' })), /^duration_ms: must be a number of milliseconds/],
  ['line not JSON', '{broken', /^line is not valid JSON/],
  ['line an array', '[1,2]', /^line is a JSON array; NDJSON takes one event object per line/],
  ['line a string', '"event"', /must be a JSON object$/],
  ['line null', 'null', /must be a JSON object$/],
];

describe('malformed events', () => {
  const post = async (body: string) => {
    const res = await fetch(`${server.url}/api/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(res.status).toBe(200);
    return res.json();
  };
  const requestsOf = async (service: string) => {
    const res = await fetch(`${server.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: query({ metrics: ['requests', 'total_tokens'], filters: { service: [service] } }),
    });
    return (await res.json()).totals;
  };

  test.each(BAD_EVENTS)('%s: rejected by index with field and reason, the valid event beside it stored', async (what, line, says) => {
    const service = `hostile-${what.replace(/\W+/g, '-')}`;
    const answer = await post([JSON.stringify(ok(service)), line].join('\n'));
    expect(answer.accepted).toBe(1);
    expect(answer.rejected).toHaveLength(1);
    expect(answer.rejected[0].index).toBe(1);
    expect(answer.rejected[0].error).toMatch(says);
    expect(answer.rejected[0].error.length).toBeLessThan(300);
    expect(await requestsOf(service)).toEqual({ requests: 1, total_tokens: 120 });
  });

  test('a mixed batch: every valid event stored, every bad one listed at its index, a truncated last line too', async () => {
    const lines: string[] = [];
    const valid: ClientEvent[] = [];
    const badAt: number[] = [];
    BAD_EVENTS.forEach(([, bad], i) => {
      const event = ok('hostile-mixed', { input_tokens: 10 + i, output_tokens: i, id: `mixed-${i}` }) as unknown as ClientEvent;
      valid.push(event);
      lines.push(JSON.stringify(event));
      badAt.push(lines.length);
      lines.push(bad);
    });
    // Cut off mid-event, as a client that dies while writing would leave it.
    badAt.push(lines.length);
    lines.push(JSON.stringify(ok('hostile-mixed')).slice(0, 40));
    const answer = await post(lines.join('\n'));
    expect(answer.accepted).toBe(valid.length);
    expect(answer.rejected.map((r: { index: number }) => r.index)).toEqual(badAt);
    expect(answer.rejected_total).toBe(badAt.length);
    const want = sumOf(valid);
    expect(await requestsOf('hostile-mixed')).toEqual({ requests: want.requests, total_tokens: want.total_tokens });
  });
});

describe('slow-loris clients', () => {
  /** Opens a raw connection, sends `head` at once, then one byte of `drip` every 100 ms; resolves with all it got back. */
  function loris(head: string, drip: string): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      let answer = '';
      let sent = 0;
      const timer = setInterval(() => sent < drip.length && socket.write(drip[sent++]), 100);
      socket.on('data', (d) => (answer += d));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        resolve(answer);
      });
      socket.write(head);
    });
  }

  test('are cut off by the request timeout with a 408, while everyone else is served; nothing they sent is stored', async () => {
    const body = ndjson(Array.from({ length: 40 }, () => ok('hostile-loris')));
    const lorises = [
      ...Array.from({ length: 8 }, () =>
        loris(`POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\n\r\n`, body),
      ),
      ...Array.from({ length: 8 }, () => loris('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n', `X-Slow: ${'a'.repeat(600)}\r\n\r\n`)),
      ...Array.from({ length: 8 }, () =>
        loris('POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n', query({}).padEnd(400)),
      ),
    ];
    // While they dribble, the server keeps answering others, whole requests, at once.
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${server.url}/api/v1/usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([ok('hostile-beside-loris')]),
      });
      expect(res.status).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    }
    for (const answer of await Promise.all(lorises)) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      expect(json).toEqual({
        error: { code: 'request_timeout', message: `the request did not arrive whole within ${REQUEST_TIMEOUT_MS} ms; send it faster or in smaller batches` },
      });
    }
    const totals = await fetch(`${server.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: query({ metrics: ['requests'], filters: { service: ['hostile-loris', 'hostile-beside-loris'] }, type: 'ranking', dimension: 'service' }),
    });
    const rows = (await totals.json()).rows.map((r: { key: string; metrics: { requests: number } }) => [r.key, r.metrics.requests]);
    expect(rows).toEqual([['hostile-beside-loris', 10]]);
  });
});

test('after all of it: the server still runs, answered no 5xx and logged no unhandled error', async () => {
  expect(server.child.exitCode).toBeNull();
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const logged = server.output().split('\n');
  expect(logged.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  expect(logged.filter((l) => /"status":5\d\d/.test(l))).toEqual([]);
  expect(logged.filter((l) => /"msg":"request"/.test(l)).length).toBeGreaterThan(MALFORMED.length + BAD_EVENTS.length);
});
