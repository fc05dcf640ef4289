/** A scoped ingest token limits provider usage objects and LiteLLM payloads exactly as it limits native events. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';

const GATEWAY = 'litellm-gateway-token-000000000000';
const READER = 'reader-token-00000000000000000000';
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
const now = Date.now();

let server: TestServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-scoped-ingest-'));
  const file = join(dir, 'tokens.yaml');
  writeFileSync(
    file,
    [
      'tokens:',
      '  - name: openai-gateway',
      `    sha256: ${sha256(GATEWAY)}`,
      '    roles: [ingest]',
      '    scope: { service: [openai, gw-openai] }',
      '  - name: reader',
      `    sha256: ${sha256(READER)}`,
      '    roles: [read]',
    ].join('\n') + '\n',
  );
  server = await startTestServer({ TOKENSCOPE_TOKENS_FILE: file, TOKENSCOPE_HOST: '127.0.0.1' });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

test('provider usage objects outside the scope are rejected by index, the rest stored', async () => {
  const usage = { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 };
  const res = await server.json(
    'POST',
    '/api/v1/usage',
    [
      { timestamp: now - 1000, service: 'gw-openai', model: 'gpt-4o', provider: 'openai', usage },
      { timestamp: now - 1000, service: 'gw-anthropic', model: 'claude', provider: 'anthropic', usage: { input_tokens: 1, output_tokens: 1 } },
    ],
    as(GATEWAY),
  );
  expect(res.body).toMatchObject({
    accepted: 1,
    rejected: [{ index: 1, error: expect.stringMatching(/^service: 'gw-anthropic' is outside the scope of token 'openai-gateway'/) }],
  });
});

test('LiteLLM payloads outside the scope are rejected by index, the rest stored', async () => {
  const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '../../src/server/ingest/litellm/testdata', `${name}.json`), 'utf8'));
  const res = await server.json('POST', '/api/v1/litellm', JSON.stringify([fixture('openai-chat'), fixture('bedrock-claude-cache')]), {
    'content-type': 'application/json',
    ...as(GATEWAY),
  });
  expect(res.body).toMatchObject({
    accepted: 1,
    rejected: [{ index: 1, error: expect.stringMatching(/^service: 'bedrock' is outside the scope of token 'openai-gateway'/) }],
  });
  const services = await server.json('GET', `/api/v1/dimensions/service/values?from=0&to=${now + 60_000}`, undefined, as(READER));
  expect(services.body.values.map((v: { value: string }) => v.value).sort()).toEqual(['gw-openai', 'openai']);
});
