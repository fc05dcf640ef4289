import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { toStoredEvent } from '../event-schema';
import { fromLiteLLMPayload } from './litellm-payload';

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, 'testdata', `${name}.json`), 'utf8')) as Record<string, any>;
const T = Date.UTC(2026, 0, 1);

describe('LiteLLM StandardLoggingPayload fixtures', () => {
  test('OpenAI chat: LiteLLM usage with a cache hit; team alias / key alias as the key', () => {
    expect(fromLiteLLMPayload(fixture('openai-chat'))).toEqual({
      event: {
        timestamp: T,
        service: 'openai',
        model: 'gpt-4o',
        model_type: null,
        api_key: 'payments/checkout-prod',
        id: 'litellm-call-1',
        duration_ms: 1250,
        input_tokens: 2006,
        output_tokens: 300,
        cache_read_tokens: 1920,
        cache_write_tokens: 0,
        reasoning_tokens: 0,
      },
    });
  });

  test('Claude on Bedrock (LiteLLM issue #11364): prompt_tokens already holds the cache reads and writes', () => {
    expect(fromLiteLLMPayload(fixture('bedrock-claude-cache'))).toEqual({
      event: {
        timestamp: T + 60_000,
        service: 'bedrock',
        model: 'claude-opus',
        model_type: null,
        api_key: 'team-7f3a/88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b',
        id: 'litellm-call-2',
        duration_ms: 2500,
        input_tokens: 98805,
        output_tokens: 5120,
        cache_read_tokens: 66360,
        cache_write_tokens: 32435,
        reasoning_tokens: 1710,
      },
    });
  });

  test('the key hash is stored as a one-way id, never as sent', () => {
    const result = fromLiteLLMPayload(fixture('bedrock-claude-cache'));
    const stored = toStoredEvent((result as { event: unknown }).event);
    expect(stored).toHaveProperty('event');
    const { apiKey, apiKeyLabel } = (stored as { event: { apiKey: string; apiKeyLabel: string } }).event;
    expect(apiKey).toMatch(/^key:[0-9a-f]{16}$/);
    expect(apiKeyLabel).not.toContain('88dc28d0f030c55ed4ab77ed8faf0981');
  });

  test('a /v1/messages pass-through logs Anthropic usage: read with the Anthropic table, the top-level counts ignored', () => {
    expect(fromLiteLLMPayload(fixture('anthropic-messages'))).toMatchObject({
      event: {
        service: 'anthropic',
        model: 'claude-messages',
        duration_ms: 1000,
        input_tokens: 30721,
        output_tokens: 67,
        cache_read_tokens: 30433,
        cache_write_tokens: 287,
      },
    });
  });

  test('an embedding without a usage object: the payload counts, model type from the call type', () => {
    expect(fromLiteLLMPayload(fixture('embedding-no-usage-object'))).toMatchObject({
      event: { timestamp: T + 240_000, model: 'embed', model_type: 'embedding', duration_ms: 100, input_tokens: 8, output_tokens: 0, cache_read_tokens: 0 },
    });
  });

  test("a failed call is ignored, and so is an answer from LiteLLM's own response cache", () => {
    expect(fromLiteLLMPayload(fixture('failure'))).toEqual({ ignore: true });
    expect(fromLiteLLMPayload({ ...fixture('openai-chat'), cache_hit: true })).toEqual({ ignore: true });
  });
});

describe('payloads that do not fit', () => {
  const base = fixture('openai-chat');
  test.each([
    ['no id', { ...base, id: undefined }, /^id: is required/],
    ['a start time as a string', { ...base, startTime: '2026-01-01' }, /^startTime: must be the call start in epoch seconds/],
    ['an end before the start', { ...base, endTime: base.startTime - 1 }, /^endTime: must be epoch seconds, not before startTime/],
    [
      'cache larger than the prompt',
      { ...base, metadata: { ...base.metadata, usage_object: { prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 11 } } } },
      /^metadata.usage_object: cache tokens/,
    ],
    [
      'a count as a string',
      { ...base, metadata: { ...base.metadata, usage_object: { prompt_tokens: '10', completion_tokens: 1 } } },
      /^metadata.usage_object.prompt_tokens: must be an integer >= 0/,
    ],
    [
      'an unknown provider with a usage object LiteLLM does not log',
      { ...base, custom_llm_provider: 'mystery', metadata: { ...base.metadata, usage_object: { tokens: 5 } } },
      /^metadata.usage_object: does not fit LiteLLM usage \(prompt_tokens\)/,
    ],
    ['not an object', [1, 2], /^must be a LiteLLM StandardLoggingPayload object/],
  ])('%s', (_name, payload, error) => {
    const result = fromLiteLLMPayload(payload);
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toMatch(error);
  });
});
