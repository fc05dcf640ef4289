/** Every provider whose usage object Tokenscope reads, by the id clients send as `provider`. */
import { ANTHROPIC } from './anthropic';
import { BEDROCK } from './bedrock';
import { GEMINI } from './gemini';
import { OPENAI } from './openai';
import { DEEPSEEK, GLM, KIMI, MINIMAX, QWEN, VLLM } from './openai-compatible';
import type { ProviderMapping } from './usage-mapping';

export const PROVIDER_MAPPINGS: readonly ProviderMapping[] = [OPENAI, ANTHROPIC, GEMINI, BEDROCK, DEEPSEEK, QWEN, KIMI, GLM, MINIMAX, VLLM];

const byId = new Map(PROVIDER_MAPPINGS.map((m) => [m.id, m]));

/** The provider ids, in the order the documentation lists them. */
export const PROVIDER_IDS: readonly string[] = PROVIDER_MAPPINGS.map((m) => m.id);

/** The mapping for a provider id, or undefined. */
export function providerMapping(id: string): ProviderMapping | undefined {
  return byId.get(id);
}
