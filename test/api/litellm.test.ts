/** POST /api/v1/litellm on a real server, in the three body formats LiteLLM's generic_api callback sends. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';

const INGEST = 'litellm-ingest-token-for-tests';
const READ = 'litellm-read-token-for-tests';
const testdata = join(__dirname, '../../src/server/ingest/litellm/testdata');
const FIXTURES = ['openai-chat', 'bedrock-claude-cache', 'anthropic-messages', 'failure', 'embedding-no-usage-object'];
const T = Date.UTC(2026, 0, 1);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { TOKENSCOPE_INGEST_TOKENS: INGEST, TOKENSCOPE_READ_TOKENS: READ });
});
afterAll(() => server.stop());

/** The fixtures with ids and model groups of their own, so each format's events are told apart. */
const payloads = (format: string) =>
  FIXTURES.map((name) => {
    const p = JSON.parse(readFileSync(join(testdata, `${name}.json`), 'utf8'));
    return { ...p, id: `${p.id}-${format}`, model_group: `${p.model_group}-${format}` };
  });

/** Exactly as LiteLLM sends it: Content-Type application/json for all three formats, the configured header. */
const send = (body: string, token = INGEST) =>
  server.json('POST', '/api/v1/litellm', body, { 'content-type': 'application/json', authorization: `Bearer ${token}` });

const totalsFor = async (format: string) =>
  (
    await server.json(
      'POST',
      '/api/v1/query',
      {
        type: 'totals',
        from: T,
        to: T + 3_600_000,
        metrics: ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'requests'],
        filters: { model: ['gpt-4o', 'claude-opus', 'claude-messages', 'embed'].map((m) => `${m}-${format}`) },
      },
      { authorization: `Bearer ${READ}` },
    )
  ).body.totals;

// By hand from the fixtures: 2006 + 98805 + 30721 + 8 input; 300 + 5120 + 67 + 0 output; the failure ignored.
const EXPECTED = {
  input_tokens: 131540,
  output_tokens: 5487,
  cache_read_tokens: 1920 + 66360 + 30433,
  cache_write_tokens: 32435 + 287,
  reasoning_tokens: 1710,
  requests: 4,
};

test('json_array (the default)', async () => {
  const res = await send(JSON.stringify(payloads('array')));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ accepted: 4, duplicates: 0, ignored: 1, rejected: [], rejected_total: 0 });
  expect(await totalsFor('array')).toEqual(EXPECTED);
});

test('ndjson', async () => {
  const res = await send(
    payloads('ndjson')
      .map((p) => JSON.stringify(p))
      .join('\n'),
  );
  expect(res.body).toEqual({ accepted: 4, duplicates: 0, ignored: 1, rejected: [], rejected_total: 0 });
  expect(await totalsFor('ndjson')).toEqual(EXPECTED);
});

test('single: one payload per request', async () => {
  for (const p of payloads('single')) expect((await send(JSON.stringify(p))).status).toBe(200);
  expect(await totalsFor('single')).toEqual(EXPECTED);
});

test("a resent batch counts once: LiteLLM's id is the idempotency key", async () => {
  const res = await send(JSON.stringify(payloads('array')));
  expect(res.body).toMatchObject({ accepted: 0, duplicates: 4, ignored: 1 });
  expect(await totalsFor('array')).toEqual(EXPECTED);
});

test('a bad payload is named by index, the rest kept', async () => {
  const [good, , , , embed] = payloads('mixed');
  const res = await send(JSON.stringify([good, { ...embed, startTime: 'soon' }, embed]));
  expect(res.body).toMatchObject({ accepted: 2, rejected: [{ index: 1, error: 'startTime: must be the call start in epoch seconds' }] });
});

test('the ingest token is required', async () => {
  expect((await send('[]', READ)).status).toBe(403);
  expect((await server.json('POST', '/api/v1/litellm', '[]', { 'content-type': 'application/json' })).status).toBe(401);
});

test('hostile bodies: a reason per payload, the rest kept, the server up', async () => {
  let deep: unknown = 1;
  for (let i = 0; i < 1000; i++) deep = { deeper: deep };
  const [good] = payloads('hostile');
  const lines = [
    JSON.stringify(good),
    'not json at all',
    JSON.stringify({ ...good, id: 'hostile-deep', metadata: { usage_object: deep } }),
    JSON.stringify({ ...good, id: 'hostile-negative', metadata: { usage_object: { prompt_tokens: -3, completion_tokens: 1 } } }),
    JSON.stringify('a string'),
  ];
  const res = await send(lines.join('\n'));
  expect(res.status).toBe(200);
  expect(res.body.accepted).toBe(1);
  const field = (error: string) => (error.startsWith('line is not valid JSON') ? 'not JSON' : error.split(':')[0]);
  expect(res.body.rejected.map((r: { index: number; error: string }) => [r.index, field(r.error)])).toEqual([
    [1, 'not JSON'],
    [2, 'metadata.usage_object'],
    [3, 'metadata.usage_object.prompt_tokens'],
    [4, 'must be a LiteLLM StandardLoggingPayload object'],
  ]);
  const wrongType = await server.json('POST', '/api/v1/litellm', '[]', { 'content-type': 'text/html', authorization: `Bearer ${INGEST}` });
  expect(wrongType.status).toBe(415);
  expect((await server.json('GET', '/healthz')).status).toBe(200);
});
