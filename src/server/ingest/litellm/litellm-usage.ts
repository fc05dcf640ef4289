/** How LiteLLM's usage numbers map to Tokenscope's, per the provider LiteLLM routed the call to. */
import { ANTHROPIC } from '../providers/anthropic';
import { BEDROCK } from '../providers/bedrock';
import { GEMINI } from '../providers/gemini';
import { OPENAI } from '../providers/openai';
import { DEEPSEEK, GLM, KIMI, MINIMAX, QWEN, VLLM } from '../providers/openai-compatible';
import type { ProviderMapping } from '../providers/usage-mapping';

/**
 * LiteLLM's own `Usage` (litellm/types/utils.py), which it fills for every provider in OpenAI's convention:
 * `prompt_tokens` is the whole prompt, cache reads and writes included, and `completion_tokens` includes
 * reasoning. Cache reads arrive as `prompt_tokens_details.cached_tokens` and, from Anthropic-style providers, also
 * as `cache_read_input_tokens`; cache writes as `cache_creation_input_tokens` or
 * `prompt_tokens_details.cache_creation_tokens`. Where both spellings are present they must agree. Example from
 * LiteLLM's spend logs for Claude on Bedrock (https://github.com/BerriAI/litellm/issues/11364): prompt 98805 =
 * 66360 read + 32435 written + 10 new; total 103925 = 98805 + 5120 completion.
 */
export const LITELLM_USAGE: ProviderMapping = {
  id: 'litellm',
  name: 'LiteLLM',
  shapes: [
    {
      name: 'LiteLLM usage',
      identifiedBy: 'prompt_tokens',
      counts: {
        input: [['prompt_tokens']],
        output: [['completion_tokens']],
        cacheRead: [['prompt_tokens_details.cached_tokens'], ['cache_read_input_tokens']],
        cacheWrite: [['prompt_tokens_details.cache_creation_tokens'], ['cache_creation_input_tokens']],
        reasoning: [['completion_tokens_details.reasoning_tokens']],
      },
      total: 'total_tokens',
    },
  ],
};

/**
 * LiteLLM's `custom_llm_provider` ids whose calls may log the provider's own usage object (pass-through routes such
 * as /v1/messages keep Anthropic's shape); such an object is read with that provider's table.
 */
export const LITELLM_PROVIDERS: Readonly<Record<string, ProviderMapping>> = {
  openai: OPENAI,
  azure: OPENAI,
  anthropic: ANTHROPIC,
  bedrock: BEDROCK,
  bedrock_converse: BEDROCK,
  gemini: GEMINI,
  vertex_ai: GEMINI,
  deepseek: DEEPSEEK,
  dashscope: QWEN,
  moonshot: KIMI,
  zai: GLM,
  minimax: MINIMAX,
  hosted_vllm: VLLM,
  vllm: VLLM,
};

/** The table for a LiteLLM usage object: LiteLLM's own (OpenAI-shaped), else the provider's. */
export function litellmUsageMapping(usage: unknown, provider: string | undefined): ProviderMapping | undefined {
  const isObject = typeof usage === 'object' && usage !== null && !Array.isArray(usage);
  if (isObject && 'prompt_tokens' in usage) return LITELLM_USAGE;
  return provider === undefined ? undefined : LITELLM_PROVIDERS[provider];
}
