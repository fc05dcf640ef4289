/** POST /api/v1/usage on a real server: formats, per-index rejections, idempotency, limits, secret keys. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';
import { SECRET_KEY, ndjson } from '../support/usage-events';

let server: TestServer;
const now = Date.now();
const ok = (over: Record<string, unknown> = {}) => ({
  timestamp: new Date(now - 60_000).toISOString(),
  service: 'svc',
  model: 'm',
  input_tokens: 10,
  output_tokens: 5,
  ...over,
});
const post = (body: string, contentType = 'application/x-ndjson', headers: Record<string, string> = {}) =>
  server.json('POST', '/api/v1/usage', body, { 'content-type': contentType, ...headers });
const requestsOf = async (service: string) =>
  (await server.json('POST', '/api/v1/query', { type: 'totals', from: now - 86_400_000, to: now + 1, metrics: ['requests'], filters: { service: [service] } }))
    .body.totals.requests;

beforeAll(async () => {
  server = await startTestServer({ TOKENSCOPE_MAX_BODY_BYTES: 64 * 1024 });
});
afterAll(() => server.stop());

describe('formats', () => {
  test('a JSON array and NDJSON (CRLF, blank lines) are both stored', async () => {
    const a = await post(JSON.stringify([ok({ service: 'fmt-json' }), ok({ service: 'fmt-json' })]), 'application/json');
    const b = await post(`${JSON.stringify(ok({ service: 'fmt-nd' }))}\r\n\r\n${JSON.stringify(ok({ service: 'fmt-nd' }))}`, 'application/x-ndjson');
    expect(a.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] });
    expect(b.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] });
    expect(await requestsOf('fmt-json')).toBe(2);
    expect(await requestsOf('fmt-nd')).toBe(2);
  });

  test('timestamps as RFC 3339 with offset, space form (UTC) and epoch ms land at the same instant', async () => {
    const t = Math.floor((now - 3_600_000) / 1000) * 1000;
    const iso = new Date(t).toISOString();
    const forms = [
      iso.replace('Z', '+00:00'),
      iso.replace('T', ' ').replace('Z', '').replace('.000', '.000000'),
      t,
      new Date(t + 3_600_000).toISOString().replace('Z', '+01:00'),
    ];
    const res = await post(ndjson(forms.map((timestamp) => ok({ service: 'fmt-time', timestamp }))));
    expect(res.body.accepted).toBe(4);
    const trend = await server.json('POST', '/api/v1/query', { type: 'totals', from: t, to: t + 1, metrics: ['requests'], filters: { service: ['fmt-time'] } });
    expect(trend.body.totals.requests).toBe(4);
  });
});

describe('rejections', () => {
  test('a mixed batch keeps its valid events and names each bad one by index, field and reason', async () => {
    const lines = [
      JSON.stringify(ok({ service: 'mixed' })),
      JSON.stringify(ok({ service: 'mixed', input_tokens: -5 })),
      '{broken',
      JSON.stringify(ok({ service: 'mixed', output_tokens: 7 })),
    ];
    const res = await post(lines.join('\n'));
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toEqual([
      { index: 1, error: 'input_tokens: must be an integer >= 0' },
      { index: 2, error: expect.stringMatching(/^line is not valid JSON/) },
    ]);
    expect(await requestsOf('mixed')).toBe(2);
  });

  test.each([
    [{ input_tokens: 1.5 }, 'input_tokens: must be an integer >= 0'],
    [{ input_tokens: 2 ** 60 }, 'input_tokens: must be at most 9007199254740991'],
    [{ output_tokens: '5' }, 'output_tokens: must be an integer >= 0'],
    [{ model: undefined }, 'model: is required'],
    [{ model: '' }, 'model: must not be empty'],
    [{ service: 'a\u0000b' }, 'service: must not contain control characters'],
    [{ model: 'x'.repeat(300) }, 'model: must be at most 256 characters'],
    [{ timestamp: '2999-01-01T00:00:00Z' }, 'timestamp: must not be more than a day in the future'],
    [{ timestamp: -5 }, 'timestamp: must not be before 1970'],
    [{ timestamp: 'yesterday' }, "timestamp: 'yesterday' is not RFC 3339"],
    [{ cache_read_tokens: 50 }, 'cache_read_tokens: must not exceed input_tokens'],
    [{ cache_write_tokens: 11 }, 'cache_write_tokens: must not exceed input_tokens'],
    [{ model_type: 'Text Generation' }, 'model_type: must be a lowercase id'],
    [{ duration_ms: -1 }, 'duration_ms: must be a number of milliseconds'],
  ])('%j → %s', async (over, message) => {
    const res = await post(ndjson([ok(over)]));
    expect(res.body.accepted).toBe(0);
    expect(res.body.rejected[0].error).toContain(message);
  });

  test('a body that is not JSON is a 400 that says so; a JSON scalar too', async () => {
    for (const body of ['this is not json', '[{"timestamp":', '42']) {
      const res = await post(body, 'application/json');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/JSON/);
    }
  });

  test('an unsupported content type is a 415', async () => {
    const res = await post('a,b\n1,2', 'text/csv');
    expect(res.status).toBe(415);
    expect(res.body.error.message).toContain('application/x-ndjson');
  });

  test('text/plain and a missing content type are 415s naming the two accepted types; nothing is stored', async () => {
    const noType = await fetch(server.url + '/api/v1/usage', { method: 'POST', body: new TextEncoder().encode(ndjson([ok({ service: 'untyped' })])) });
    expect(noType.status).toBe(415);
    expect((await noType.json()).error.message).toMatch(/^missing Content-Type; send application\/json .* or application\/x-ndjson/);
    const plain = await post(ndjson([ok({ service: 'untyped' })]), 'text/plain');
    expect(plain.status).toBe(415);
    expect(plain.body.error.message).toMatch(/^unsupported Content-Type 'text\/plain'; send application\/json .* or application\/x-ndjson/);
    expect(await requestsOf('untyped')).toBe(0);
  });

  test('a pretty-printed JSON array sent as NDJSON is a 400 that says to send it as application/json', async () => {
    const res = await post(JSON.stringify([ok({ service: 'pretty' })], null, 2));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("looks like pretty-printed JSON (its first line is '['), not NDJSON");
    expect(res.body.error.message).toContain('Content-Type: application/json');
    expect(await requestsOf('pretty')).toBe(0);
  });

  test('one event object is accepted as application/json', async () => {
    const res = await post(JSON.stringify(ok({ service: 'single-object' })), 'application/json');
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected_total: 0 } });
    expect(await requestsOf('single-object')).toBe(1);
  });

  test('a batch with nothing usable is a 400 with the usual body; a partly usable one a 200', async () => {
    const none = await post(ndjson([ok({ input_tokens: -1 }), ok({ model: '' })]));
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ accepted: 0, duplicates: 0, rejected_total: 2 });
    expect(none.body.rejected.map((r: { index: number }) => r.index)).toEqual([0, 1]);
    expect(none.body.error).toEqual({
      code: 'no_valid_events',
      message: 'none of the 2 events could be stored: [0] input_tokens: must be an integer >= 0; [1] model: must not be empty',
    });
    const some = await post(ndjson([ok({ input_tokens: -1 }), ok({ service: 'partly' })]));
    expect(some).toMatchObject({ status: 200, body: { accepted: 1, rejected_total: 1 } });
    expect(some.body.error).toBeUndefined();
  });

  test('a body over the limit is a 413 and stores nothing, whether announced or streamed', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify(ok({ service: 'too-big', id: `big-${i}` })));
    const announced = await post(lines.join('\n'));
    expect(announced.status).toBe(413);
    const chunked = await fetch(server.url + '/api/v1/usage', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: new ReadableStream({
        start(controller) {
          for (const line of lines) controller.enqueue(new TextEncoder().encode(line + '\n'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).then(
      async (r) => ({ status: r.status, body: await r.json() }),
      () => ({ status: 0, body: null }),
    );
    // The refused rest of the body is read and dropped, so even a client still streaming gets its 413.
    expect(chunked.status).toBe(413);
    expect(await requestsOf('too-big')).toBe(0);
    expect((await server.json('GET', '/api/v1/health')).status).toBe(200);
  });
});

describe('idempotency', () => {
  test('an id counts once, within a body, across bodies and across concurrent bodies', async () => {
    const events = Array.from({ length: 50 }, (_, i) => ok({ service: 'idem', id: `req-${i}` }));
    const first = await post(ndjson([...events, events[0], events[1]]));
    expect(first.body).toMatchObject({ accepted: 50, duplicates: 2 });
    const again = await post(ndjson(events));
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 50 });
    const fresh = Array.from({ length: 40 }, (_, i) => ok({ service: 'idem', id: `conc-${i}` }));
    const results = await Promise.all(Array.from({ length: 4 }, () => post(ndjson(fresh))));
    expect(results.reduce((n, r) => n + r.body.accepted, 0)).toBe(40);
    expect(await requestsOf('idem')).toBe(90);
  });

  test('events without id are all counted', async () => {
    await post(ndjson([ok({ service: 'no-id' }), ok({ service: 'no-id' })]));
    expect(await requestsOf('no-id')).toBe(2);
  });
});

test('a secret-looking key is stored as a one-way id: the raw key is nowhere in the data folder', async () => {
  const res = await post(ndjson([ok({ service: 'secret', api_key: SECRET_KEY })]));
  expect(res.body.accepted).toBe(1);
  await server.store.close(); // checkpoint, so everything is in the files
  const bytes = readdirSync(server.dir)
    .map((f) => readFileSync(join(server.dir, f)).toString('latin1'))
    .join('');
  expect(bytes).toContain('sk-…3b4c'.slice(-4));
  expect(bytes).not.toContain(SECRET_KEY);
  expect(bytes).not.toContain(SECRET_KEY.slice(8, 30));
});
