/** Google Gemini's `usageMetadata`. */
import type { ProviderMapping } from './usage-mapping';

/**
 * `usageMetadata` of generateContent (https://ai.google.dev/api/generate-content#UsageMetadata):
 * `promptTokenCount` is the whole prompt, cached content included ("When cachedContent is set, this is still the
 * total effective prompt size meaning this includes the number of tokens in the cached content");
 * `cachedContentTokenCount` is the cached part; `toolUsePromptTokenCount` counts tool-use prompts, which are
 * input beside the prompt; `candidatesTokenCount` counts the response without the thinking, which
 * `thoughtsTokenCount` counts; `totalTokenCount` is the sum of all of them. Zero counts are omitted from the JSON,
 * so every field but `promptTokenCount` may be absent.
 */
export const GEMINI: ProviderMapping = {
  id: 'gemini',
  name: 'Google Gemini',
  shapes: [
    {
      name: 'Gemini usageMetadata',
      identifiedBy: 'promptTokenCount',
      counts: {
        input: [['promptTokenCount', 'toolUsePromptTokenCount?']],
        output: [['candidatesTokenCount?', 'thoughtsTokenCount?']],
        cacheRead: [['cachedContentTokenCount']],
        reasoning: [['thoughtsTokenCount']],
      },
      total: 'totalTokenCount',
    },
  ],
};
