import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fromProviderUsage } from './provider-event';
import { PROVIDER_IDS } from './provider-mappings';

interface Fixture {
  name: string;
  source: string;
  example: 'documented' | 'constructed';
  usage: unknown;
  expected: Record<string, number>;
}

const testdata = join(__dirname, 'testdata');
const fixtures = new Map(
  readdirSync(testdata)
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(testdata, file), 'utf8')) as Fixture[]]),
);
const base = { timestamp: '2026-01-01T00:00:00Z', service: 'gateway', model: 'm' };

test('every provider has fixtures, and every fixture file is a provider', () => {
  expect([...fixtures.keys()].sort()).toEqual([...PROVIDER_IDS].sort());
});

describe.each([...fixtures])('%s usage objects', (provider, cases) => {
  test.each(cases.map((c) => [`${c.name} (${c.example})`, c] as const))('%s', (_name, c) => {
    expect(fromProviderUsage({ ...base, provider, usage: c.usage })).toEqual({ event: { ...base, ...c.expected } });
  });
});

describe('events without provider usage', () => {
  test('pass through unchanged', () => {
    const native = { ...base, input_tokens: 5, output_tokens: 1 };
    expect(fromProviderUsage(native)).toEqual({ event: native });
    expect(fromProviderUsage('x')).toEqual({ event: 'x' });
  });
});

const rejected = (event: Record<string, unknown>) => {
  const result = fromProviderUsage({ ...base, ...event });
  expect(result).toHaveProperty('error');
  return (result as { error: string }).error;
};

describe('usage objects that do not fit are rejected with the field named', () => {
  test('an unknown provider, or none', () => {
    expect(rejected({ provider: 'openia', usage: { prompt_tokens: 1 } })).toMatch(/^provider: unknown provider "openia"; one of openai, anthropic/);
    expect(rejected({ usage: { prompt_tokens: 1 } })).toMatch(/^provider: is required with usage/);
    expect(rejected({ provider: 7, usage: {} })).toMatch(/^provider: must be a string/);
    expect(rejected({ provider: 'openai' })).toMatch(/^usage: is required with provider/);
  });
  test('strings, fractions and negative numbers for counts', () => {
    expect(rejected({ provider: 'openai', usage: { prompt_tokens: '19', completion_tokens: 10 } })).toBe(
      'usage.prompt_tokens: must be an integer >= 0, not the string "19"',
    );
    expect(rejected({ provider: 'anthropic', usage: { input_tokens: 10, output_tokens: -1 } })).toBe('usage.output_tokens: must be an integer >= 0, not -1');
    expect(rejected({ provider: 'gemini', usage: { promptTokenCount: 1.5 } })).toBe('usage.promptTokenCount: must be an integer >= 0, not 1.5');
    expect(rejected({ provider: 'bedrock', usage: { inputTokens: 1, outputTokens: 2, cacheReadInputTokens: [3] } })).toBe(
      'usage.cacheReadInputTokens: must be an integer >= 0, not an array',
    );
  });
  test('missing counts', () => {
    expect(rejected({ provider: 'openai', usage: { prompt_tokens: 19 } })).toBe('usage.completion_tokens: is required in OpenAI Chat Completions usage');
    expect(rejected({ provider: 'openai', usage: { total_tokens: 19 } })).toBe(
      'usage: does not fit OpenAI usage: expected prompt_tokens (OpenAI Chat Completions) or input_tokens (OpenAI Responses)',
    );
    expect(rejected({ provider: 'anthropic', usage: [] })).toBe('usage: must be the Anthropic Messages usage object as its API returned it');
  });
  test('both OpenAI shapes at once', () => {
    expect(rejected({ provider: 'openai', usage: { prompt_tokens: 1, completion_tokens: 1, input_tokens: 1, output_tokens: 1 } })).toMatch(
      /^usage: has prompt_tokens and input_tokens/,
    );
  });
  test('cache larger than the prompt', () => {
    expect(rejected({ provider: 'openai', usage: { prompt_tokens: 100, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 101 } } })).toBe(
      'usage: cache tokens (prompt_tokens_details.cached_tokens = 101) exceed the prompt (prompt_tokens = 100); cached tokens are part of the prompt',
    );
    expect(
      rejected({
        provider: 'qwen',
        usage: { prompt_tokens: 100, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 60, cache_creation_input_tokens: 41 } },
      }),
    ).toMatch(/^usage: cache tokens .* = 101\) exceed the prompt/);
  });
  test('reasoning larger than the output', () => {
    expect(rejected({ provider: 'minimax', usage: { prompt_tokens: 1, completion_tokens: 10, completion_tokens_details: { reasoning_tokens: 11 } } })).toMatch(
      /^usage: reasoning tokens .* exceed the output/,
    );
  });
  test('a total that does not add up, and parts that disagree', () => {
    expect(rejected({ provider: 'openai', usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 30 } })).toMatch(
      /^usage.total_tokens: 30 is not input \+ output = 29/,
    );
    // Bedrock counted the other way round (inputTokens including the cache) does not fit the documented total.
    expect(rejected({ provider: 'bedrock', usage: { inputTokens: 4124, outputTokens: 173, totalTokens: 4297, cacheWriteInputTokens: 4110 } })).toMatch(
      /^usage.totalTokens: 4297 is not input \+ output = 8407/,
    );
    expect(
      rejected({
        provider: 'anthropic',
        usage: {
          input_tokens: 1,
          output_tokens: 1,
          cache_creation_input_tokens: 248,
          cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 100 },
        },
      }),
    ).toBe(
      'usage.cache_creation.ephemeral_5m_input_tokens: cache_creation.ephemeral_5m_input_tokens + cache_creation.ephemeral_1h_input_tokens = 200 disagrees with cache_creation_input_tokens = 248',
    );
    expect(
      rejected({ provider: 'deepseek', usage: { prompt_tokens: 10, completion_tokens: 1, prompt_cache_hit_tokens: 4, prompt_cache_miss_tokens: 5 } }),
    ).toMatch(/disagrees with prompt_tokens = 10/);
  });
  test('token fields beside a usage object', () => {
    expect(rejected({ provider: 'openai', usage: { prompt_tokens: 1, completion_tokens: 1 }, input_tokens: 1 })).toBe(
      'input_tokens: send either provider and usage or the token fields, not both',
    );
  });
  test('objects nested 1,000 deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1000; i++) deep = { a: deep };
    expect(rejected({ provider: 'openai', usage: { prompt_tokens: deep, completion_tokens: 1 } })).toBe(
      'usage.prompt_tokens: must be an integer >= 0, not an object',
    );
    expect(fromProviderUsage({ ...base, provider: 'openai', usage: { prompt_tokens: 2, completion_tokens: 1, extra: deep } })).toHaveProperty('event');
  });
});

test('a credential sent in the wrong place is not echoed back', () => {
  const key = 'sk-proj-Zx81kQ0a9PLm27VbQ4rT';
  const errors = [rejected({ provider: key, usage: {} }), rejected({ provider: 'openai', usage: { prompt_tokens: key, completion_tokens: 1 } })];
  for (const error of errors) expect(error).not.toContain('Zx81kQ0a9PLm27VbQ4rT');
});
