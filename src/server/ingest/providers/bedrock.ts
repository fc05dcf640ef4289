/** Amazon Bedrock's Converse API usage object. */
import type { ProviderMapping } from './usage-mapping';

/**
 * Converse `usage`, a TokenUsage (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html):
 * `inputTokens`, `outputTokens`, `totalTokens`, and with prompt caching `cacheReadInputTokens` and
 * `cacheWriteInputTokens` (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html). `inputTokens`
 * does not include the cache reads and writes: `totalTokens` = inputTokens + cacheReadInputTokens +
 * cacheWriteInputTokens + outputTokens, which the total check holds every object to, so a usage object counted
 * the other way is rejected rather than counted twice. Bedrock does not report reasoning separately.
 */
export const BEDROCK: ProviderMapping = {
  id: 'bedrock',
  name: 'Amazon Bedrock Converse',
  shapes: [
    {
      name: 'Bedrock Converse',
      identifiedBy: 'inputTokens',
      counts: {
        input: [['inputTokens', 'cacheReadInputTokens?', 'cacheWriteInputTokens?']],
        output: [['outputTokens']],
        cacheRead: [['cacheReadInputTokens']],
        cacheWrite: [['cacheWriteInputTokens']],
      },
      total: 'totalTokens',
    },
  ],
};
