/**
 * The LiteLLM adapter: one StandardLoggingPayload (https://docs.litellm.ai/docs/proxy/logging_spec), as its
 * `generic_api` callback posts it, becomes a native usage event. Failed calls carry no usage and are ignored.
 */
import { normaliseUsage } from '../providers/usage-mapping';
import type { ToUsageEvent } from '../read-events';
import { LITELLM_USAGE, litellmUsageMapping } from './litellm-usage';

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

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const object = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export const fromLiteLLMPayload: ToUsageEvent = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'must be a LiteLLM StandardLoggingPayload object' };
  const payload = value as Record<string, unknown>;
  if (payload.status === 'failure') return { ignore: true };
  const id = text(payload.id);
  if (!id) return { error: 'id: is required (the LiteLLM call id, used as the idempotency key)' };
  const { startTime, endTime } = payload;
  if (typeof startTime !== 'number' || !Number.isFinite(startTime)) return { error: 'startTime: must be the call start in epoch seconds' };
  let durationMs: number | undefined;
  if (endTime !== undefined && endTime !== null) {
    if (typeof endTime !== 'number' || !Number.isFinite(endTime) || endTime < startTime)
      return { error: 'endTime: must be epoch seconds, not before startTime' };
    durationMs = Math.round((endTime - startTime) * 1000);
  }
  const metadata = object(payload.metadata);
  const provider = text(payload.custom_llm_provider);
  // Newer LiteLLM versions log LiteLLM's Usage object in metadata, older ones in hidden_params; without it the
  // payload's own counts are the usage (no cache detail).
  const usage = metadata.usage_object ??
    object(payload.hidden_params).usage_object ?? {
      prompt_tokens: payload.prompt_tokens,
      completion_tokens: payload.completion_tokens,
      total_tokens: payload.total_tokens,
    };
  const mapping = litellmUsageMapping(usage, provider);
  if (!mapping)
    return {
      error: `metadata.usage_object: does not fit ${LITELLM_USAGE.name} usage (prompt_tokens) nor a provider usage object LiteLLM logs for '${provider ?? 'no provider'}'`,
    };
  const normalised = normaliseUsage(mapping, usage);
  if ('error' in normalised) return { error: normalised.error.replace(/^usage/, 'metadata.usage_object') };
  const team = text(metadata.user_api_key_team_alias) ?? text(metadata.user_api_key_team_id);
  // The key's alias, else LiteLLM's hash of it (LiteLLM never logs the raw key; a hash is stored as a one-way id).
  const key = text(metadata.user_api_key_alias) ?? text(metadata.user_api_key_hash);
  return {
    event: {
      timestamp: Math.round(startTime * 1000),
      service: provider ?? 'litellm',
      model: text(payload.model_group) ?? text(payload.model) ?? 'unknown',
      model_type: MODEL_TYPE_BY_CALL_TYPE[text(payload.call_type) ?? ''] ?? null,
      api_key: key && team ? `${team}/${key}` : (key ?? (team ? `${team}/unknown` : null)),
      id,
      duration_ms: durationMs ?? null,
      ...normalised.tokens,
    },
  };
};
