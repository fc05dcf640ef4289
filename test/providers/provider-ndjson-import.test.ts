/** `tokenscope import` of provider-shaped NDJSON (a gateway's log dump): each line's usage object normalised, bad lines named. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../support/run-cli';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
let dir: string;
const now = Date.now();
const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();

beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-provider-ndjson-'));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a gateway log of {provider, usage, …} lines imports like native events', async () => {
  const lines = [
    {
      timestamp: at(5),
      service: 'gw',
      model: 'gpt-4o',
      id: 'chatcmpl-1',
      provider: 'openai',
      usage: { prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306, prompt_tokens_details: { cached_tokens: 1920 } },
    },
    {
      timestamp: at(4),
      service: 'gw',
      model: 'claude',
      id: 'msg_1',
      provider: 'anthropic',
      usage: { input_tokens: 1, output_tokens: 67, cache_creation_input_tokens: 287, cache_read_input_tokens: 30433 },
    },
    {
      timestamp: at(3),
      service: 'gw',
      model: 'deepseek-chat',
      id: 'ds-1',
      provider: 'deepseek',
      usage: { prompt_tokens: 2012, completion_tokens: 150, total_tokens: 2162, prompt_cache_hit_tokens: 1920, prompt_cache_miss_tokens: 92 },
    },
    { timestamp: at(2), service: 'gw', model: 'x', id: 'bad-1', provider: 'openai', usage: { prompt_tokens: 'many', completion_tokens: 1 } },
    { timestamp: at(1), service: 'gw', model: 'x', id: 'bad-2', provider: 'skynet', usage: {} },
  ];
  const file = join(dir, 'gateway.ndjson');
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const run = await runCli(['import', file], { TOKENSCOPE_URL: server.url });
  expect(run.code).toBe(2);
  expect(run.stdout).toMatch(/accepted +3/);
  expect(run.stdout).toMatch(/usage\.prompt_tokens: must be an integer >= 0, not the string "many" \(line 4\)/);
  expect(run.stdout).toMatch(/provider: unknown provider "skynet".* \(line 5\)/);
  const totals = (
    await server.json('POST', '/api/v1/query', {
      type: 'totals',
      from: now - 3_600_000,
      to: now + 1,
      metrics: ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'requests'],
      filters: { service: ['gw'] },
    })
  ).body.totals;
  // By hand: 2006 + (1 + 287 + 30433) + 2012 input; 300 + 67 + 150 output; 1920 + 30433 + 1920 read; 287 written.
  expect(totals).toEqual({ input_tokens: 34739, output_tokens: 517, cache_read_tokens: 34273, cache_write_tokens: 287, requests: 3 });
});
