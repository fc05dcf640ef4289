/** The query a Grafana panel saves, its migration from older versions, and its conversion into an API query. */
import type { DimensionId, QueryType } from './catalogue';
import type { ApiQueryInput } from './query';

/** Version of the saved-query shape; bump it and extend `migrateSavedQuery` when the shape changes. */
export const SCHEMA_VERSION = 1;

/**
 * A query as a dashboard stores it. `refId`, `datasource` and `hide` belong to Grafana; every other field
 * may hold template variables (`$dimension`, `${model:csv}`), which are interpolated before `toApiQuery`.
 */
export interface SavedQuery {
  refId: string;
  hide?: boolean;
  /** Shape version, always `SCHEMA_VERSION` after `migrateSavedQuery`. */
  schemaVersion: number;
  /** `totals`, `ranking`, `trend`, `movers` or `calls`. */
  queryType: QueryType;
  /** Metric ids, e.g. `["total_tokens", "input_tokens"]`; the first orders a ranking, movers compare the first; calls ignore them. */
  metrics: string[];
  /**
   * Ranking: the dimension ranked (`service`, `model`, `api_key`, `model_type`, or a variable such as
   * `$dimension`). Trend: the dimension each series is split by; empty for one series per metric.
   */
  dimension?: string;
  /** Values to keep per dimension, e.g. `{ "model": ["glm-5", "$model"] }`; empty or absent keeps all. */
  filters?: Partial<Record<DimensionId, string[]>>;
  /** `auto` (default), `1m`, `5m`, `1h`, `1d`, or a variable such as `$granularity`. */
  granularity?: string;
  /** Top-N, e.g. `10` or `"$topN"`. */
  limit?: number | string;
  /** Movers: how far back the compared range lies, e.g. `7d`; empty for the range just before. */
  offset?: string;
  /** Calls: what the calls are ordered by, e.g. `total_tokens` or `duration_ms`; empty for total tokens. */
  orderBy?: string;
}

/** What a new query gets: a per-model token trend, which draws a useful panel with no edits. */
export const DEFAULT_SAVED_QUERY: Omit<SavedQuery, 'refId'> = {
  schemaVersion: SCHEMA_VERSION,
  queryType: 'trend',
  metrics: ['total_tokens'],
  dimension: 'model',
  granularity: 'auto',
  limit: 10,
};

/**
 * Brings a stored query up to the current shape. A query that is already current comes back as the very
 * same object, so Grafana sees no change; older ones get the defaults for fields they lack. Pure.
 */
export function migrateSavedQuery(query: Partial<SavedQuery> & { refId?: string }): SavedQuery {
  if (query.schemaVersion === SCHEMA_VERSION && query.queryType && Array.isArray(query.metrics)) return query as SavedQuery;
  // Version 0: queries saved before versioning, possibly with nothing but a refId.
  return {
    ...DEFAULT_SAVED_QUERY,
    ...query,
    refId: query.refId ?? 'A',
    metrics: Array.isArray(query.metrics) && query.metrics.length > 0 ? query.metrics : DEFAULT_SAVED_QUERY.metrics,
    schemaVersion: SCHEMA_VERSION,
  };
}

/** What Grafana adds to a panel query: the range, the time zone and the interval. */
export interface QueryContext {
  from: number;
  to: number;
  /** IANA zone (resolve Grafana's `browser` before calling). */
  timezone: string;
  intervalMs?: number;
  maxDataPoints?: number;
}

/**
 * The API request for an interpolated saved query. Validate the result with `parseApiQuery`; this only
 * moves fields, so a bad value (an unresolved variable, say) is reported there with its field name.
 */
export function toApiQuery(query: SavedQuery, context: QueryContext): ApiQueryInput {
  const filters: Partial<Record<DimensionId, string[]>> = {};
  for (const [dimension, values] of Object.entries(query.filters ?? {}) as [DimensionId, string[] | undefined][]) {
    if (values && values.length > 0) filters[dimension] = values;
  }
  const limit = typeof query.limit === 'string' && /^\d+$/.test(query.limit.trim()) ? Number(query.limit) : query.limit;
  return {
    type: query.queryType,
    from: context.from,
    to: context.to,
    // Calls are ordered by orderBy, not by metrics: a list left over from another query type is not sent.
    ...(query.queryType === 'calls' ? {} : { metrics: (query.queryType === 'movers' ? query.metrics.slice(0, 1) : query.metrics) as ApiQueryInput['metrics'] }),
    ...(query.dimension ? { dimension: query.dimension } : {}),
    filters,
    granularity: (query.granularity || 'auto') as ApiQueryInput['granularity'],
    ...(limit !== undefined && limit !== '' ? { limit: limit as number } : {}),
    timezone: context.timezone,
    ...(context.intervalMs !== undefined ? { intervalMs: context.intervalMs } : {}),
    ...(context.maxDataPoints !== undefined ? { maxDataPoints: context.maxDataPoints } : {}),
    ...(query.queryType === 'movers' && query.offset?.trim() ? { offset: query.offset.trim() } : {}),
    ...(query.queryType === 'calls' && query.orderBy ? { orderBy: query.orderBy as ApiQueryInput['orderBy'] } : {}),
  };
}
