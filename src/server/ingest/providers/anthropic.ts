/** Anthropic's Messages API usage object. */
import type { ProviderMapping } from './usage-mapping';

/**
 * Messages `usage` (https://docs.anthropic.com/en/api/messages, and for the cache fields
 * https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance): `input_tokens`
 * counts only the prompt tokens after the last cache breakpoint, so the whole prompt is
 * `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`. `cache_creation` breaks the cache
 * writes down by lifetime (`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`) and must add up to
 * `cache_creation_input_tokens`. `output_tokens` includes extended-thinking tokens, which the API does not
 * count separately. There is no total field.
 */
export const ANTHROPIC: ProviderMapping = {
  id: 'anthropic',
  name: 'Anthropic Messages',
  shapes: [
    {
      name: 'Anthropic Messages',
      identifiedBy: 'input_tokens',
      counts: {
        input: [['input_tokens', 'cache_creation_input_tokens?', 'cache_read_input_tokens?']],
        output: [['output_tokens']],
        cacheRead: [['cache_read_input_tokens']],
        cacheWrite: [['cache_creation_input_tokens'], ['cache_creation.ephemeral_5m_input_tokens', 'cache_creation.ephemeral_1h_input_tokens']],
      },
    },
  ],
};
