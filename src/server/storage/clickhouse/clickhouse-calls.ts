/**
 * Compiles a CallsRequest into ClickHouse statements over the raw events. Copies of one event (two replicas that
 * stored it at once) are collapsed as every raw read collapses them: one row per (ts, event key, dims), the copy
 * with the smallest content hash giving the numbers. Collapsing every event of a range is costly, so only the
 * candidates are collapsed: events with a stored copy scoring at least the k-th largest raw score (see runCalls).
 */
import type { CallField } from '../../../shared';
import type { CallsRequest, StoredEvent } from '../engine';
import { DIMS_KEY, rollupTable, type ClickHouseLayout } from './clickhouse-schema';
import { CONTENT_HASH, filtersCondition, spanCondition, type Span } from './clickhouse-sources';
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

/** The orderable fields as raw columns (an absent duration is stored as -1, below every duration). */
const RAW_FIELD: Record<CallField, string> = {
  input_tokens: 'input_tokens',
  output_tokens: 'output_tokens',
  cache_read_tokens: 'cache_read_tokens',
  cache_write_tokens: 'cache_write_tokens',
  reasoning_tokens: 'reasoning_tokens',
  duration_ms: 'duration_ms',
};

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

/** Unsigned counts become signed before they are added, so that -1 for a missing duration stays below 0. */
const scoreOf = (fields: Record<CallField, string>, request: CallsRequest) => request.orderBy.map((f) => `toInt64(${fields[f]})`).join(' + ');

function whereOf(request: CallsRequest): string {
  const filters = filtersCondition(request.filters);
  const range = spanCondition('ts', request);
  return filters ? `(${range}) AND ${filters}` : range;
}

/** The k-th largest raw score of the range (`threshold`) and how many raw rows that looked at (`rows`, at most k). */
export function thresholdSql(layout: ClickHouseLayout, request: CallsRequest, k: number): string {
  return `SELECT min(s) AS threshold, count() AS rows FROM (
  SELECT ${scoreOf(RAW_FIELD, request)} AS s FROM ${layout.table('events')} WHERE ${whereOf(request)} ORDER BY s DESC LIMIT ${quoteInt(k)})`;
}

/**
 * The largest calls among the events with a copy scoring at least `threshold` (null: every event). Copies of an
 * event share its time and event key, and its shard (events are sharded by event key), so each shard finds an
 * event's copies itself: run it with `distributed_product_mode = 'local'`.
 */
export function compileCalls(layout: ClickHouseLayout, request: CallsRequest, threshold: number | null = null): string {
  const where = whereOf(request);
  const candidates =
    threshold === null
      ? ''
      : ` AND (ts, event_key) IN (SELECT ts, event_key FROM ${layout.table('events')} WHERE ${where} AND ${scoreOf(RAW_FIELD, request)} >= ${quoteInt(threshold)})`;
  // The aliases differ from the column names: ClickHouse would otherwise read an alias inside the aggregates.
  const chosen = (column: string) => `argMin(${column}, ${CONTENT_HASH}) AS c_${column}`;
  const score = scoreOf(FIELD, request);
  return `SELECT ts AS c_ts, any(service) AS c_service, any(model) AS c_model, any(model_type) AS c_model_type,
       any(api_key) AS c_api_key, min(api_key_label) AS c_label, any(id) AS c_id,
       ${['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'duration_ms', 'trace_id', 'span_id'].map(chosen).join(', ')}
FROM ${layout.table('events')}
WHERE ${where}${candidates}
GROUP BY ts, event_key, ${DIMS_KEY}
ORDER BY ${score} DESC, ${TIES.join(', ')}
LIMIT ${quoteInt(request.limit)}`;
}

/**
 * The earliest raw event the request's filters let through, within `span` when given (the primary key then reads
 * only that span), and whether there is any (min of nothing reads 0).
 */
export function earliestSql(layout: ClickHouseLayout, request: CallsRequest, span?: Span): string {
  const conditions = [...(span ? [spanCondition('ts', span)] : []), filtersCondition(request.filters)].filter((c) => c !== null);
  return `SELECT min(ts) AS earliest, count() AS events FROM ${layout.table('events')}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
}

/**
 * The first day the daily rollup holds for the request's filters, and whether there is any: the earliest raw event
 * lies in it unless retention has dropped that day's raw events (the daily tier is kept at least as long).
 */
export function firstDaySql(layout: ClickHouseLayout, request: CallsRequest): string {
  const filters = filtersCondition(request.filters);
  return `SELECT min(slot) AS day, count() AS rows FROM ${layout.table(rollupTable('1d'))}${filters ? ` WHERE ${filters}` : ''}`;
}

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

/** A collapsed call's score for the request's order, as the SQL computes it (a missing duration is -1). */
export function callScore(call: StoredEvent, request: CallsRequest): number {
  const value: Record<CallField, number> = {
    input_tokens: call.inputTokens,
    output_tokens: call.outputTokens,
    cache_read_tokens: call.cacheReadTokens,
    cache_write_tokens: call.cacheWriteTokens,
    reasoning_tokens: call.reasoningTokens,
    duration_ms: call.durationMs ?? -1,
  };
  return request.orderBy.reduce((n, f) => n + value[f], 0);
}
