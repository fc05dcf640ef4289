/** POST /api/v1/usage with provider usage objects on a real server: normalised numbers land, bad ones are named. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
const now = Date.now();
const event = (service: string, provider: unknown, usage: unknown) => ({
  timestamp: new Date(now - 60_000).toISOString(),
  service,
  model: 'm',
  provider,
  usage,
});
const totals = async (service: string) =>
  (
    await server.json('POST', '/api/v1/query', {
      type: 'totals',
      from: now - 3_600_000,
      to: now + 1,
      metrics: ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'requests'],
      filters: { service: [service] },
    })
  ).body.totals;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

test('a batch of provider usage objects lands normalised', async () => {
  const res = await server.json('POST', '/api/v1/usage', [
    // Anthropic: the prompt is input_tokens + cache writes + cache reads = 1 + 287 + 30433.
    event('prov-anthropic', 'anthropic', { input_tokens: 1, output_tokens: 67, cache_creation_input_tokens: 287, cache_read_input_tokens: 30433 }),
    // Bedrock: inputTokens excludes the cache, 14 + 4110.
    event('prov-bedrock', 'bedrock', { inputTokens: 14, outputTokens: 173, totalTokens: 4297, cacheReadInputTokens: 0, cacheWriteInputTokens: 4110 }),
    // Gemini: thoughts are output, 28 + 1119.
    event('prov-gemini', 'gemini', { promptTokenCount: 11, candidatesTokenCount: 28, thoughtsTokenCount: 1119, totalTokenCount: 1158 }),
    event('prov-openai', 'openai', { prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306, prompt_tokens_details: { cached_tokens: 1920 } }),
  ]);
  expect(res.body).toMatchObject({ accepted: 4, rejected: [] });
  expect(await totals('prov-anthropic')).toMatchObject({
    input_tokens: 30721,
    output_tokens: 67,
    cache_read_tokens: 30433,
    cache_write_tokens: 287,
    requests: 1,
  });
  expect(await totals('prov-bedrock')).toMatchObject({ input_tokens: 4124, output_tokens: 173, cache_read_tokens: 0, cache_write_tokens: 4110 });
  expect(await totals('prov-gemini')).toMatchObject({ input_tokens: 11, output_tokens: 1147, cache_read_tokens: 0, reasoning_tokens: 1119 });
  expect(await totals('prov-openai')).toMatchObject({ input_tokens: 2006, output_tokens: 300, cache_read_tokens: 1920 });
});

test('hostile usage objects: a reason per event, the rest kept, the server up', async () => {
  let deep: unknown = 5;
  for (let i = 0; i < 1000; i++) deep = { nested: deep };
  const good = event('prov-hostile', 'openai', { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
  const lines = [
    good,
    event('prov-hostile', 'openai', { prompt_tokens: '10', completion_tokens: 2 }),
    event('prov-hostile', 'anthropic', { input_tokens: -1, output_tokens: 2 }),
    event('prov-hostile', 'gemini', { candidatesTokenCount: 3 }),
    event('prov-hostile', 'openai', { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 11 } }),
    event('prov-hostile', 'openai', { prompt_tokens: deep, completion_tokens: 2 }),
    event('prov-hostile', 'mystery-ai', { prompt_tokens: 1, completion_tokens: 1 }),
    { ...good, usage: deep },
    good,
  ].map((e) => JSON.stringify(e));
  const res = await server.json('POST', '/api/v1/usage', lines.join('\n'), { 'content-type': 'application/x-ndjson' });
  expect(res.status).toBe(200);
  expect(res.body.accepted).toBe(2);
  expect(res.body.rejected.map((r: { index: number; error: string }) => [r.index, r.error.split(':')[0]])).toEqual([
    [1, 'usage.prompt_tokens'],
    [2, 'usage.input_tokens'],
    [3, 'usage'],
    [4, 'usage'],
    [5, 'usage.prompt_tokens'],
    [6, 'provider'],
    [7, 'usage'],
  ]);
  expect(res.body.rejected[3].error).toMatch(/cache tokens .* exceed the prompt/);
  expect(await totals('prov-hostile')).toMatchObject({ input_tokens: 20, output_tokens: 4, requests: 2 });
  expect((await server.json('GET', '/healthz')).status).toBe(200);
});
