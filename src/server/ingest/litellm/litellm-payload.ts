/**
 * The LiteLLM adapter: one StandardLoggingPayload (https://docs.litellm.ai/docs/proxy/logging_spec), as its
 * `generic_api` callback posts it, becomes a native usage event. Failed calls, and answers from LiteLLM's own response
 * cache (`cache_hit`), carry no model usage and are ignored.
 */
import type { ToUsageEvent } from '../read-events';
import { litellmCallToEvent, object, text } from './litellm-call';

export const fromLiteLLMPayload: ToUsageEvent = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'must be a LiteLLM StandardLoggingPayload object' };
  const payload = value as Record<string, unknown>;
  // A failed call has no usage; an answer from LiteLLM's own response cache called no model.
  if (payload.status === 'failure' || payload.cache_hit === true) return { ignore: true };
  const { startTime, endTime } = payload;
  if (typeof startTime !== 'number' || !Number.isFinite(startTime)) return { error: 'startTime: must be the call start in epoch seconds' };
  if (endTime !== undefined && endTime !== null && (typeof endTime !== 'number' || !Number.isFinite(endTime) || endTime < startTime)) {
    return { error: 'endTime: must be epoch seconds, not before startTime' };
  }
  const metadata = object(payload.metadata);
  // Newer LiteLLM versions log LiteLLM's Usage object in metadata, older ones in hidden_params; without it the
  // payload's own counts are the usage (no cache detail).
  const usage = metadata.usage_object ??
    object(payload.hidden_params).usage_object ?? {
      prompt_tokens: payload.prompt_tokens,
      completion_tokens: payload.completion_tokens,
      total_tokens: payload.total_tokens,
    };
  return litellmCallToEvent({
    id: text(payload.id),
    startMs: startTime * 1000,
    durationMs: typeof endTime === 'number' ? (endTime - startTime) * 1000 : null,
    provider: text(payload.custom_llm_provider),
    modelGroup: text(payload.model_group),
    model: text(payload.model),
    callType: text(payload.call_type),
    usage,
    keyAlias: text(metadata.user_api_key_alias),
    keyHash: text(metadata.user_api_key_hash),
    team: text(metadata.user_api_key_team_alias) ?? text(metadata.user_api_key_team_id),
  });
};
