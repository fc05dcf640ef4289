/** OpenAI's usage objects: Chat Completions and the Responses API, told apart by their fields. */
import type { ProviderMapping, UsageShape } from './usage-mapping';

/**
 * Chat Completions `usage` (https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage):
 * `prompt_tokens` counts the whole prompt and `prompt_tokens_details.cached_tokens` is the part of it served from
 * the prompt cache (https://platform.openai.com/docs/guides/prompt-caching); `completion_tokens` counts everything
 * generated, and `completion_tokens_details.reasoning_tokens` is the part of it spent on reasoning
 * (https://platform.openai.com/docs/guides/reasoning); `total_tokens` = prompt + completion.
 */
export const OPENAI_CHAT_COMPLETIONS: UsageShape = {
  name: 'OpenAI Chat Completions',
  identifiedBy: 'prompt_tokens',
  counts: {
    input: [['prompt_tokens']],
    output: [['completion_tokens']],
    cacheRead: [['prompt_tokens_details.cached_tokens']],
    reasoning: [['completion_tokens_details.reasoning_tokens']],
  },
  total: 'total_tokens',
};

/**
 * Responses API `usage` (https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage):
 * `input_tokens` with `input_tokens_details.cached_tokens` read from the cache and, where reported,
 * `input_tokens_details.cache_write_tokens` written to it; `output_tokens` with
 * `output_tokens_details.reasoning_tokens`; `total_tokens` = input + output.
 */
export const OPENAI_RESPONSES: UsageShape = {
  name: 'OpenAI Responses',
  identifiedBy: 'input_tokens',
  counts: {
    input: [['input_tokens']],
    output: [['output_tokens']],
    cacheRead: [['input_tokens_details.cached_tokens']],
    cacheWrite: [['input_tokens_details.cache_write_tokens']],
    reasoning: [['output_tokens_details.reasoning_tokens']],
  },
  total: 'total_tokens',
};

export const OPENAI: ProviderMapping = { id: 'openai', name: 'OpenAI', shapes: [OPENAI_CHAT_COMPLETIONS, OPENAI_RESPONSES] };
