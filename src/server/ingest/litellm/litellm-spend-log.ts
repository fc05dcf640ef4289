/**
 * The LiteLLM history adapter: one row of LiteLLM's `LiteLLM_SpendLogs` table (its Prisma schema,
 * https://github.com/BerriAI/litellm/blob/main/schema.prisma) becomes a native usage event, like a logging
 * callback payload does. Rows of failed calls (`status` 'failure') and of answers from LiteLLM's own response cache (`cache_hit` 'True')
 * carry no model usage and are ignored.
 */
import type { ToUsageEvent } from '../read-events';
import { litellmCallToEvent, object, text } from './litellm-call';

/** The columns the import reads; `status` and `request_duration_ms` exist only in newer LiteLLM versions. */
export interface SpendLogRow {
  request_id: string;
  call_type: string;
  /** LiteLLM's hash of the virtual key (the table never holds the key itself). */
  api_key: string;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** `startTime` and `endTime` as epoch milliseconds (the columns are UTC timestamps without a zone). */
  start_ms: number;
  end_ms: number | null;
  request_duration_ms?: number | null;
  model: string;
  model_group: string | null;
  custom_llm_provider: string | null;
  metadata: unknown;
  team_id: string | null;
  /** 'True' when LiteLLM answered from its own response cache. */
  cache_hit?: string | null;
  status?: string | null;
}

export const fromSpendLogRow: ToUsageEvent = (value) => {
  const row = value as SpendLogRow;
  // A failed call has no usage; an answer from LiteLLM's own response cache called no model.
  if (row.status === 'failure' || row.cache_hit === 'True') return { ignore: true };
  const metadata = object(row.metadata);
  // Newer versions keep LiteLLM's whole Usage object in metadata; older ones only the extra usage fields.
  const usage = metadata.usage_object ?? {
    ...object(metadata.additional_usage_values),
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    total_tokens: row.total_tokens,
  };
  const duration =
    typeof row.request_duration_ms === 'number'
      ? row.request_duration_ms
      : row.end_ms !== null && row.end_ms >= row.start_ms
        ? row.end_ms - row.start_ms
        : null;
  return litellmCallToEvent({
    id: text(row.request_id),
    startMs: row.start_ms,
    durationMs: duration,
    provider: text(row.custom_llm_provider),
    modelGroup: text(row.model_group),
    model: text(row.model),
    callType: text(row.call_type),
    usage,
    keyAlias: text(metadata.user_api_key_alias),
    keyHash: text(row.api_key) ?? text(metadata.user_api_key),
    team: text(metadata.user_api_key_team_alias) ?? text(row.team_id) ?? text(metadata.user_api_key_team_id),
  });
};
