/**
 * The official OpenAI and Anthropic SDKs against a loopback stub of each API: the `usage` object a response
 * carries, passed on unchanged by a small client, lands in a real backend with the right numbers.
 */
import Anthropic from '@anthropic-ai/sdk';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';

const created = Math.floor(Date.now() / 1000) - 60;

/** Responses shaped as each API's reference documents them; only the usage numbers matter here. */
const STUB_RESPONSES: Record<string, unknown> = {
  '/v1/chat/completions': {
    id: 'chatcmpl-sdk-1',
    object: 'chat.completion',
    created,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_stub',
  },
  '/v1/responses': {
    id: 'resp_sdk_1',
    object: 'response',
    created_at: created,
    status: 'completed',
    model: 'o4-mini-2025-04-16',
    output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hi.', annotations: [] }] }],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: {
      input_tokens: 75,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 1186,
      output_tokens_details: { reasoning_tokens: 1024 },
      total_tokens: 1261,
    },
  },
  '/v1/messages': {
    id: 'msg_sdk_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-opus-5',
    content: [{ type: 'text', text: 'Hello.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: 2048,
      cache_read_input_tokens: 1800,
      cache_creation_input_tokens: 248,
      cache_creation: { ephemeral_5m_input_tokens: 148, ephemeral_1h_input_tokens: 100 },
      output_tokens: 503,
      service_tier: 'standard',
    },
  },
};

let stub: Server;
let stubUrl: string;
let server: TestServer;

beforeAll(async () => {
  stub = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = STUB_RESPONSES[req.url ?? ''];
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', 'x-request-id': 'req_stub' });
      res.end(JSON.stringify(body ?? { error: { message: `no stub for ${req.url}` } }));
    });
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  server = await startTestServer();
});
afterAll(async () => {
  await new Promise((resolve) => stub.close(resolve));
  await server.stop();
});

/** The small client: what a gateway would do with a response in hand. */
async function reportUsage(service: string, provider: string, response: { id: string; model: string; usage?: unknown }) {
  const res = await server.json('POST', '/api/v1/usage', [
    { timestamp: Date.now() - 1000, service, model: response.model, id: response.id, provider, usage: response.usage },
  ]);
  expect(res.body).toMatchObject({ accepted: 1, rejected: [] });
}

const totalsOf = async (service: string) =>
  (
    await server.json('POST', '/api/v1/query', {
      type: 'totals',
      from: Date.now() - 3_600_000,
      to: Date.now() + 1000,
      metrics: ['input_tokens', 'output_tokens', 'total_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'requests'],
      filters: { service: [service] },
    })
  ).body.totals;

test('OpenAI Chat Completions through the openai SDK', async () => {
  const client = new OpenAI({ apiKey: 'sk-stub', baseURL: `${stubUrl}/v1`, maxRetries: 0 });
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
  await reportUsage('sdk-openai-chat', 'openai', completion);
  expect(await totalsOf('sdk-openai-chat')).toEqual({
    input_tokens: 2006,
    output_tokens: 300,
    total_tokens: 2306,
    cache_read_tokens: 1920,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    requests: 1,
  });
});

test('OpenAI Responses through the openai SDK', async () => {
  const client = new OpenAI({ apiKey: 'sk-stub', baseURL: `${stubUrl}/v1`, maxRetries: 0 });
  const response = await client.responses.create({ model: 'o4-mini', input: 'Hi' });
  await reportUsage('sdk-openai-responses', 'openai', response);
  expect(await totalsOf('sdk-openai-responses')).toEqual({
    input_tokens: 75,
    output_tokens: 1186,
    total_tokens: 1261,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 1024,
    requests: 1,
  });
});

test('Anthropic Messages through the @anthropic-ai/sdk SDK: cache reads and writes join the prompt', async () => {
  const client = new Anthropic({ apiKey: 'sk-ant-stub', baseURL: stubUrl, maxRetries: 0 });
  const message = await client.messages.create({ model: 'claude-opus-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] });
  await reportUsage('sdk-anthropic', 'anthropic', message);
  // 2048 after the breakpoint + 1800 read + 248 written = 4096.
  expect(await totalsOf('sdk-anthropic')).toEqual({
    input_tokens: 4096,
    output_tokens: 503,
    total_tokens: 4599,
    cache_read_tokens: 1800,
    cache_write_tokens: 248,
    reasoning_tokens: 0,
    requests: 1,
  });
});

test('a resent response counts once (its id is the idempotency key)', async () => {
  const client = new Anthropic({ apiKey: 'sk-ant-stub', baseURL: stubUrl, maxRetries: 0 });
  const message = await client.messages.create({ model: 'claude-opus-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] });
  const res = await server.json('POST', '/api/v1/usage', [
    { timestamp: Date.now() - 1000, service: 'sdk-anthropic', model: message.model, id: message.id, provider: 'anthropic', usage: message.usage },
  ]);
  expect(res.body).toMatchObject({ accepted: 0, duplicates: 1 });
  expect((await totalsOf('sdk-anthropic')).requests).toBe(1);
});
