/** Compiles a CallsRequest into DuckDB statements over the raw events, joined to the dims for names and filters. */
import { BIGINT, LIST, VARCHAR, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { CallField } from '../../../shared';
import type { CallsRequest, StoredEvent } from '../engine';
import { filterConditions } from './duckdb-aggregate';

/** How each orderable field reads on a raw event: a missing duration counts as -1, below every duration. */
const FIELD: Record<CallField, string> = {
  input_tokens: 'e.input_tokens',
  output_tokens: 'e.output_tokens',
  cache_read_tokens: 'e.cache_read_tokens',
  cache_write_tokens: 'e.cache_write_tokens',
  reasoning_tokens: 'e.reasoning_tokens',
  duration_ms: 'coalesce(e.duration_ms, -1)',
};

/**
 * Orders read from a stored column instead of a sum: row-group statistics exist for a column, not for a sum, so the
 * top-N skips every row group whose largest value is below its running threshold.
 */
const STORED_SCORES: readonly { fields: readonly CallField[]; column: string }[] = [{ fields: ['input_tokens', 'output_tokens'], column: 'e.total_tokens' }];

/** The order's sum as SQL: a stored column when one holds exactly that sum. */
function scoreOf(orderBy: readonly CallField[]): { score: string; stored: boolean } {
  const column = STORED_SCORES.find(({ fields }) => fields.length === orderBy.length && fields.every((f) => orderBy.includes(f)))?.column;
  return column ? { score: column, stored: true } : { score: orderBy.map((f) => FIELD[f]).join(' + '), stored: false };
}

/** The tie-breakers after the order's sum (see CallsRequest); strings compare in byte order, DuckDB's default collation. */
const TIES = [
  'e.ts ASC',
  'd.service',
  'd.model',
  'd.model_type',
  'd.api_key',
  "coalesce(e.id, '')",
  'e.input_tokens',
  'e.output_tokens',
  'e.cache_read_tokens',
  'e.cache_write_tokens',
  'e.reasoning_tokens',
  'coalesce(e.duration_ms, -1)',
  "coalesce(e.trace_id, '')",
  "coalesce(e.span_id, '')",
];

export interface CompiledCalls {
  /** The score of the limit-th largest call (one row, null when there is no call). */
  thresholdSql: string;
  /** The calls scoring at least `$t`, in order; bind `t` to the threshold. */
  sql: string;
  values: Record<string, DuckDBValue>;
  types: Record<string, DuckDBType>;
  /** The earliest raw event the filters let through (one row, null when none), and its own values. */
  earliest: { sql: string; values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> };
}

/** The range and filter lists are bound, so the text repeats and the prepared statement is reused. */
export function compileCalls(request: CallsRequest): CompiledCalls {
  const filterValues: Record<string, DuckDBValue> = {};
  const filterTypes: Record<string, DuckDBType> = {};
  // The limit is written into the text: DuckDB turns ORDER BY … LIMIT into a top-N only for a constant limit.
  if (!Number.isSafeInteger(request.limit) || request.limit < 1) throw new Error(`not a limit: ${request.limit}`);
  const limit = String(request.limit);
  // The same conditions on the dims registry as every aggregate, so filters and token scopes apply alike.
  const where = filterConditions(request.filters, (name, list) => {
    filterValues[name] = listValue([...list]);
    filterTypes[name] = LIST(VARCHAR);
    return `$${name}`;
  });
  const values: Record<string, DuckDBValue> = { ...filterValues, from: BigInt(request.from), to: BigInt(request.to) };
  const types: Record<string, DuckDBType> = { ...filterTypes, from: BIGINT, to: BIGINT };
  const { score, stored } = scoreOf(request.orderBy);
  const range = 'e.ts >= $from AND e.ts < $to';
  const filtered = where.length ? ' AND e.dims_id IN (SELECT id FROM d)' : '';
  // First the score of the limit-th largest call, from one to three narrow columns and no join; then the calls
  // scoring at least that much (ties at that score included), joined and sorted with every tie-breaker. Two
  // statements, because a bound threshold is applied during the scan where a scalar subquery is not.
  // A stored score skips, in both, the row groups whose largest score is below the threshold, so the second reads
  // whole rows at once. A sum has no statistics: the second takes the row ids of the calls from the narrow columns
  // first, and reads only those rows whole (reading every column of the range before filtering cost ten times as
  // much); the range is repeated on that read so that its scan skips the row groups outside it.
  const dims = `d AS (SELECT id, service, model, model_type, api_key, api_key_label FROM dims ${where.length ? `WHERE ${where.join(' AND ')}` : ''})`;
  const thresholdSql = `WITH ${dims}
SELECT min(s)::DOUBLE AS t FROM (SELECT ${score} AS s FROM events e WHERE ${range}${filtered} ORDER BY s DESC LIMIT ${limit})`;
  const scored = stored
    ? `WITH ${dims}
`
    : `WITH ${dims},
candidates AS (SELECT e.rowid AS r FROM events e WHERE ${range}${filtered} AND ${score} >= $t)
`;
  const sql = `${scored}SELECT e.ts::DOUBLE AS ts, d.service, d.model, d.model_type, d.api_key, d.api_key_label,
       e.input_tokens::DOUBLE AS input_tokens, e.output_tokens::DOUBLE AS output_tokens,
       e.cache_read_tokens::DOUBLE AS cache_read_tokens, e.cache_write_tokens::DOUBLE AS cache_write_tokens,
       e.reasoning_tokens::DOUBLE AS reasoning_tokens, e.duration_ms::DOUBLE AS duration_ms, e.id, e.trace_id, e.span_id
FROM events e JOIN d ON e.dims_id = d.id
WHERE ${range} AND ${stored ? `${score} >= $t` : 'e.rowid IN (SELECT r FROM candidates)'}
ORDER BY ${score} DESC, ${TIES.join(', ')}
LIMIT ${limit}`;
  // Unfiltered, `min` is answered from the row groups' statistics. Filtered, `min` would read the whole table
  // (every event ever kept, whatever the range); as a top-1 DuckDB passes the best time found so far down to the
  // scan as a filter, which skips row groups by their statistics: events arrive mostly in time order, so little
  // past the first match is read.
  const earliest = {
    sql: where.length
      ? `WITH ${dims}\nSELECT e.ts::DOUBLE FROM events e WHERE e.dims_id IN (SELECT id FROM d) ORDER BY e.ts LIMIT 1`
      : 'SELECT min(ts)::DOUBLE FROM events',
    values: filterValues,
    types: filterTypes,
  };
  return { thresholdSql, sql, values, types, earliest };
}

/** The statement's columns, in order, as stored events. */
export function callsFromColumns(columns: unknown[][]): StoredEvent[] {
  const [ts = [], service, model, modelType, apiKey, apiKeyLabel, input, output, cacheRead, cacheWrite, reasoning, duration, id, traceId, spanId] = columns as [
    number[],
    string[],
    string[],
    string[],
    string[],
    string[],
    number[],
    number[],
    number[],
    number[],
    number[],
    (number | null)[],
    (string | null)[],
    (string | null)[],
    (string | null)[],
  ];
  return ts.map((t, i) => ({
    ts: t,
    service: service[i],
    model: model[i],
    modelType: modelType[i],
    apiKey: apiKey[i],
    apiKeyLabel: apiKeyLabel[i],
    inputTokens: input[i],
    outputTokens: output[i],
    cacheReadTokens: cacheRead[i],
    cacheWriteTokens: cacheWrite[i],
    reasoningTokens: reasoning[i],
    durationMs: duration[i],
    id: id[i],
    traceId: traceId[i],
    spanId: spanId[i],
  }));
}
