/**
 * Compiles a CallsRequest into one ClickHouse statement over the raw events. Copies of one event (two replicas
 * that stored it at once) are collapsed as every raw read collapses them: one row per (ts, event key, dims), the
 * copy with the smallest content hash giving the numbers.
 */
import type { CallField } from '../../../shared';
import type { CallsRequest, StoredEvent } from '../engine';
import { DIMS_KEY, type ClickHouseLayout } from './clickhouse-schema';
import { CONTENT_HASH, filtersCondition, spanCondition } from './clickhouse-sources';
import { quoteInt } from './clickhouse-sql';

/** A result row: 64-bit numbers arrive as decimal strings; absent ids are '', an absent duration -1. */
export interface ClickHouseCallRow {
  c_ts: string;
  c_service: string;
  c_model: string;
  c_model_type: string;
  c_api_key: string;
  c_label: string;
  c_id: string;
  c_input_tokens: string;
  c_output_tokens: string;
  c_cache_read_tokens: string;
  c_cache_write_tokens: string;
  c_reasoning_tokens: string;
  c_duration_ms: string;
  c_trace_id: string;
  c_span_id: string;
}

/** The orderable fields, as the collapsed columns (an absent duration is -1, below every duration). */
const FIELD: Record<CallField, string> = {
  input_tokens: 'c_input_tokens',
  output_tokens: 'c_output_tokens',
  cache_read_tokens: 'c_cache_read_tokens',
  cache_write_tokens: 'c_cache_write_tokens',
  reasoning_tokens: 'c_reasoning_tokens',
  duration_ms: 'c_duration_ms',
};

/** The same tie-breakers as every engine (see CallsRequest); ClickHouse compares strings byte by byte. */
const TIES = [
  'c_ts ASC',
  'c_service',
  'c_model',
  'c_model_type',
  'c_api_key',
  'c_id',
  'c_input_tokens',
  'c_output_tokens',
  'c_cache_read_tokens',
  'c_cache_write_tokens',
  'c_reasoning_tokens',
  'c_duration_ms',
  'c_trace_id',
  'c_span_id',
];

export function compileCalls(layout: ClickHouseLayout, request: CallsRequest): string {
  const filters = filtersCondition(request.filters);
  const range = spanCondition('ts', request);
  // The aliases differ from the column names: ClickHouse would otherwise read an alias inside the aggregates.
  const chosen = (column: string) => `argMin(${column}, ${CONTENT_HASH}) AS c_${column}`;
  // Unsigned counts become signed before they are added, so that -1 for a missing duration stays below 0.
  const score = request.orderBy.map((f) => `toInt64(${FIELD[f]})`).join(' + ');
  return `SELECT ts AS c_ts, any(service) AS c_service, any(model) AS c_model, any(model_type) AS c_model_type,
       any(api_key) AS c_api_key, min(api_key_label) AS c_label, any(id) AS c_id,
       ${['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'duration_ms', 'trace_id', 'span_id'].map(chosen).join(', ')}
FROM ${layout.table('events')}
WHERE ${filters ? `(${range}) AND ${filters}` : range}
GROUP BY ts, event_key, ${DIMS_KEY}
ORDER BY ${score} DESC, ${TIES.join(', ')}
LIMIT ${quoteInt(request.limit)}`;
}

export const earliestSql = (layout: ClickHouseLayout) => `SELECT min(ts) AS earliest, count() AS events FROM ${layout.table('events')}`;

export function callFromRow(r: ClickHouseCallRow): StoredEvent {
  const duration = Number(r.c_duration_ms);
  return {
    ts: Number(r.c_ts),
    service: r.c_service,
    model: r.c_model,
    modelType: r.c_model_type,
    apiKey: r.c_api_key,
    apiKeyLabel: r.c_label,
    inputTokens: Number(r.c_input_tokens),
    outputTokens: Number(r.c_output_tokens),
    cacheReadTokens: Number(r.c_cache_read_tokens),
    cacheWriteTokens: Number(r.c_cache_write_tokens),
    reasoningTokens: Number(r.c_reasoning_tokens),
    durationMs: duration >= 0 ? duration : null,
    id: r.c_id === '' ? null : r.c_id,
    traceId: r.c_trace_id === '' ? null : r.c_trace_id,
    spanId: r.c_span_id === '' ? null : r.c_span_id,
  };
}
