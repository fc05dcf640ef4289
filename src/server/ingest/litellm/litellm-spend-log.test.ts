import { describe, expect, test } from 'vitest';
import { fromSpendLogRow, type SpendLogRow } from './litellm-spend-log';

const T = Date.UTC(2026, 0, 1);
const row = (over: Partial<SpendLogRow>): SpendLogRow => ({
  request_id: 'chatcmpl-1',
  call_type: 'acompletion',
  api_key: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b',
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  start_ms: T,
  end_ms: T + 2000,
  model: 'gpt-4o',
  model_group: 'gpt-4o',
  custom_llm_provider: 'openai',
  metadata: {},
  team_id: null,
  ...over,
});

describe('LiteLLM_SpendLogs rows', () => {
  test('a newer row: LiteLLM usage object in metadata, request_duration_ms, key alias and team alias', () => {
    const metadata = {
      user_api_key_alias: 'checkout-prod',
      user_api_key_team_alias: 'payments',
      usage_object: {
        prompt_tokens: 98805,
        completion_tokens: 5120,
        total_tokens: 103925,
        prompt_tokens_details: { cached_tokens: 66360, cache_creation_tokens: 32435 },
        cache_read_input_tokens: 66360,
        cache_creation_input_tokens: 32435,
      },
    };
    expect(
      fromSpendLogRow(
        row({
          prompt_tokens: 98805,
          completion_tokens: 5120,
          total_tokens: 103925,
          request_duration_ms: 2480,
          custom_llm_provider: 'bedrock',
          model_group: 'claude',
          metadata,
          team_id: 'team-7f3a',
          status: 'success',
        }),
      ),
    ).toEqual({
      event: {
        timestamp: T,
        service: 'bedrock',
        model: 'claude',
        model_type: null,
        api_key: 'payments/checkout-prod',
        id: 'chatcmpl-1',
        duration_ms: 2480,
        input_tokens: 98805,
        output_tokens: 5120,
        cache_read_tokens: 66360,
        cache_write_tokens: 32435,
        reasoning_tokens: 0,
      },
    });
  });

  test('an older row: only additional_usage_values in metadata, the duration from start and end, the hashed key and the team column', () => {
    const metadata = { additional_usage_values: { prompt_tokens_details: { cached_tokens: 1024 }, completion_tokens_details: { reasoning_tokens: 64 } } };
    expect(fromSpendLogRow(row({ prompt_tokens: 1500, completion_tokens: 200, total_tokens: 1700, metadata, team_id: 'team-7f3a' }))).toEqual({
      event: {
        timestamp: T,
        service: 'openai',
        model: 'gpt-4o',
        model_type: null,
        api_key: 'team-7f3a/88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b',
        id: 'chatcmpl-1',
        duration_ms: 2000,
        input_tokens: 1500,
        output_tokens: 200,
        cache_read_tokens: 1024,
        cache_write_tokens: 0,
        reasoning_tokens: 64,
      },
    });
  });

  test('a failed call is ignored; a row whose usage does not fit is rejected naming the field', () => {
    expect(fromSpendLogRow(row({ status: 'failure' }))).toEqual({ ignore: true });
    expect(fromSpendLogRow(row({ cache_hit: 'True', prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }))).toEqual({ ignore: true });
    expect(fromSpendLogRow(row({ prompt_tokens: 10, completion_tokens: 1, total_tokens: 12 }))).toEqual({
      error:
        'metadata.usage_object.total_tokens: 12 is not input + output = 11 (prompt_tokens + completion_tokens); the usage object does not fit LiteLLM usage',
    });
  });
});
