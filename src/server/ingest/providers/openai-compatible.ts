/**
 * OpenAI-compatible servers: usage as in OpenAI Chat Completions (the prompt includes cached tokens, the
 * completion includes reasoning), each with its own documented extras. One table per provider.
 */
import type { ProviderMapping, UsageShape } from './usage-mapping';

const chat = (name: string, counts: UsageShape['counts']): UsageShape => ({
  name,
  identifiedBy: 'prompt_tokens',
  counts: { input: [['prompt_tokens']], output: [['completion_tokens']], ...counts },
  total: 'total_tokens',
});

/**
 * DeepSeek (https://api-docs.deepseek.com/api/create-chat-completion, https://api-docs.deepseek.com/guides/kv_cache):
 * `prompt_tokens` = `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens`; newer responses also carry OpenAI's
 * `prompt_tokens_details.cached_tokens`, which must agree with the hits; `completion_tokens_details.reasoning_tokens`
 * for deepseek-reasoner.
 */
export const DEEPSEEK: ProviderMapping = {
  id: 'deepseek',
  name: 'DeepSeek',
  shapes: [
    chat('DeepSeek Chat Completions', {
      input: [['prompt_tokens'], ['prompt_cache_hit_tokens', 'prompt_cache_miss_tokens']],
      cacheRead: [['prompt_cache_hit_tokens'], ['prompt_tokens_details.cached_tokens']],
      reasoning: [['completion_tokens_details.reasoning_tokens']],
    }),
  ],
};

/**
 * Qwen on Alibaba Cloud Model Studio / DashScope, OpenAI-compatible mode
 * (https://www.alibabacloud.com/help/en/model-studio/context-cache): `prompt_tokens_details.cached_tokens` is the
 * cache hit "included in usage.prompt_tokens"; with explicit caching `prompt_tokens_details.cache_creation_input_tokens`
 * is the part of the prompt written to the cache; `completion_tokens_details.reasoning_tokens` in thinking mode.
 */
export const QWEN: ProviderMapping = {
  id: 'qwen',
  name: 'Qwen (DashScope)',
  shapes: [
    chat('Qwen Chat Completions', {
      cacheRead: [['prompt_tokens_details.cached_tokens']],
      cacheWrite: [['prompt_tokens_details.cache_creation_input_tokens']],
      reasoning: [['completion_tokens_details.reasoning_tokens']],
    }),
  ],
};

/**
 * Kimi / Moonshot AI (https://platform.moonshot.ai/docs/api/chat): the Kimi K2 models report automatic prefix-cache
 * hits as `prompt_tokens_details.cached_tokens`; the moonshot-v1 context-caching API reports them as a top-level
 * `cached_tokens`. Either is part of `prompt_tokens`.
 */
export const KIMI: ProviderMapping = {
  id: 'kimi',
  name: 'Kimi (Moonshot AI)',
  shapes: [chat('Kimi Chat Completions', { cacheRead: [['prompt_tokens_details.cached_tokens'], ['cached_tokens']] })],
};

/**
 * GLM / Zhipu AI (Z.ai) (https://docs.z.ai/api-reference/llm/chat-completion): `prompt_tokens_details.cached_tokens`
 * is the cached part of the prompt; thinking tokens are counted in `completion_tokens` and not reported apart.
 */
export const GLM: ProviderMapping = {
  id: 'glm',
  name: 'GLM (Zhipu AI)',
  shapes: [chat('GLM Chat Completions', { cacheRead: [['prompt_tokens_details.cached_tokens']] })],
};

/**
 * MiniMax (https://platform.minimax.io/docs/api-reference/text-post): `prompt_tokens`, `completion_tokens` with
 * `completion_tokens_details.reasoning_tokens` for the reasoning models, `total_tokens` (and `total_characters`,
 * not a token count); cache hits as `prompt_tokens_details.cached_tokens`.
 */
export const MINIMAX: ProviderMapping = {
  id: 'minimax',
  name: 'MiniMax',
  shapes: [
    chat('MiniMax Chat Completions', {
      cacheRead: [['prompt_tokens_details.cached_tokens']],
      reasoning: [['completion_tokens_details.reasoning_tokens']],
    }),
  ],
};

/**
 * vLLM's OpenAI-compatible server (https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html):
 * `prompt_tokens`, `completion_tokens`, `total_tokens`; with `--enable-prompt-tokens-details`,
 * `prompt_tokens_details.cached_tokens` from automatic prefix caching.
 */
export const VLLM: ProviderMapping = {
  id: 'vllm',
  name: 'vLLM',
  shapes: [chat('vLLM Chat Completions', { cacheRead: [['prompt_tokens_details.cached_tokens']] })],
};
