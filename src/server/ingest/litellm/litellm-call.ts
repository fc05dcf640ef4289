/**
 * One LiteLLM call, as both its logging callback and its spend-log table describe it, becomes a native usage
 * event: the provider as the service, the model group as the model, `team/key alias` (or LiteLLM's hash of the
 * key) as the key, the call id as the idempotency key, and the usage normalised by provider.
 */
import { normaliseUsage } from '../providers/usage-mapping';
import { LITELLM_USAGE, litellmUsageMapping } from './litellm-usage';

export interface LiteLLMCall {
  id: string | undefined;
  /** Call start, epoch milliseconds. */
  startMs: number;
  durationMs: number | null;
  /** LiteLLM's `custom_llm_provider`. */
  provider: string | undefined;
  modelGroup: string | undefined;
  model: string | undefined;
  callType: string | undefined;
  /** LiteLLM's usage object, or the provider's own for pass-through routes. */
  usage: unknown;
  keyAlias: string | undefined;
  /** LiteLLM's hash of the virtual key (it never logs the key itself); stored as a one-way id. */
  keyHash: string | undefined;
  team: string | undefined;
}

/** LiteLLM call types that are not text generation, by the model type Tokenscope records. */
const MODEL_TYPE_BY_CALL_TYPE: Readonly<Record<string, string>> = {
  embedding: 'embedding',
  aembedding: 'embedding',
  image_generation: 'image_generation',
  aimage_generation: 'image_generation',
  image_edit: 'image_generation',
  aimage_edit: 'image_generation',
  transcription: 'audio',
  atranscription: 'audio',
  speech: 'audio',
  aspeech: 'audio',
};

export const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const object = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function litellmCallToEvent(call: LiteLLMCall): { event: Record<string, unknown> } | { error: string } {
  if (!call.id) return { error: 'id: is required (the LiteLLM call id, used as the idempotency key)' };
  const mapping = litellmUsageMapping(call.usage, call.provider);
  if (!mapping)
    return {
      error: `metadata.usage_object: does not fit ${LITELLM_USAGE.name} usage (prompt_tokens) nor a provider usage object LiteLLM logs for '${call.provider ?? 'no provider'}'`,
    };
  const normalised = normaliseUsage(mapping, call.usage);
  if ('error' in normalised) return { error: normalised.error.replace(/^usage/, 'metadata.usage_object') };
  const key = call.keyAlias ?? call.keyHash;
  return {
    event: {
      timestamp: Math.round(call.startMs),
      service: call.provider ?? 'litellm',
      model: call.modelGroup ?? call.model ?? 'unknown',
      model_type: MODEL_TYPE_BY_CALL_TYPE[call.callType ?? ''] ?? null,
      api_key: call.team ? `${call.team}/${key ?? 'unknown'}` : (key ?? null),
      id: call.id,
      duration_ms: call.durationMs === null ? null : Math.round(call.durationMs),
      ...normalised.tokens,
    },
  };
}
