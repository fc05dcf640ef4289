/** Response shapes of the query API; the plugin, the CLI and outside scripts rely on them. */
import type { CallOrderId, DimensionId, FixedGranularity, MetricId } from './catalogue';

/** Metric id to value; null where a metric has no value (concurrency without durations). */
export type MetricValues = Partial<Record<MetricId, number | null>>;

/**
 * Present when retention has dropped the detail part of the range needs. Before `exactFrom` (epoch ms) the range's
 * edges and bucket boundaries that fell inside a slot were moved back to the start of that slot of the finest
 * rollup still kept there, at most `slotMs` long, so the answer is exact for those whole slots; at and after
 * `exactFrom` it is exact to the millisecond. `keptFrom`: the oldest data kept at all, when the range starts before it.
 */
export interface CoarseResolution {
  exactFrom: number;
  slotMs: number;
  keptFrom: number | null;
}

export interface TotalsResponse {
  /** The reporting currency of the money metrics (ISO 4217, e.g. USD); absent from older servers. */
  currency?: string;
  type: 'totals';
  from: number;
  to: number;
  totals: MetricValues;
  /** Only when retention made the answer coarser than asked. */
  coarse?: CoarseResolution;
}

export interface RankingRow {
  /** The dimension value, what a filter takes. */
  key: string;
  /** What a person should see, e.g. a masked API key. */
  label: string;
  metrics: MetricValues;
  /** This row's part of the total of the first metric, 0 to 1. */
  share: number;
}

export interface RankingResponse {
  /** The reporting currency of the money metrics (ISO 4217, e.g. USD); absent from older servers. */
  currency?: string;
  type: 'ranking';
  from: number;
  to: number;
  dimension: DimensionId;
  /** Top N, largest first by the first metric. */
  rows: RankingRow[];
  /** Everything after the top N; null when nothing is left over. */
  other: { count: number; metrics: MetricValues; share: number } | null;
  totals: MetricValues;
  /** Only when retention made the answer coarser than asked. */
  coarse?: CoarseResolution;
}

export interface TrendSeries {
  metric: MetricId;
  /** Dimension value; null without a dimension; for the folded rest, `other` with `isOther` true. */
  key: string | null;
  /** `{ [dimension]: label }` with a dimension, `{}` without. */
  labels: Partial<Record<DimensionId, string>>;
  isOther?: boolean;
  /** One value per bucket. */
  values: (number | null)[];
  min: number | null;
  max: number | null;
  avg: number | null;
}

export interface TrendResponse {
  /** The reporting currency of the money metrics (ISO 4217, e.g. USD); absent from older servers. */
  currency?: string;
  type: 'trend';
  from: number;
  to: number;
  granularity: FixedGranularity;
  timezone: string;
  /** Epoch ms of each bucket's start (the first may start before `from`). */
  buckets: number[];
  series: TrendSeries[];
  /** Only when retention made the answer coarser than asked. */
  coarse?: CoarseResolution;
}

/** One metric over the range and over the range compared against. */
export interface MoverValues {
  /** The metric over [from, to). */
  current: number | null;
  /** The metric over [previousFrom, previousTo). */
  previous: number | null;
  /** current − previous (a missing value counts as 0); null when both are missing. */
  change: number | null;
  /** change / previous, e.g. 0.25 for +25%; null when previous is 0 or missing (a new value). */
  changeRatio: number | null;
}

export interface MoversRow extends MoverValues {
  key: string;
  label: string;
  /** `new`: no calls in the earlier range; `vanished`: no calls in this one; `ongoing`: calls in both. */
  status: 'new' | 'vanished' | 'ongoing';
}

export interface MoversResponse {
  type: 'movers';
  /** The reporting currency of the money metrics (ISO 4217, e.g. USD); absent from older servers. */
  currency?: string;
  from: number;
  to: number;
  /** The range compared against: [from − offset, to − offset). */
  previousFrom: number;
  previousTo: number;
  dimension: DimensionId;
  metric: MetricId;
  /** The `limit` values that changed most, largest absolute change first; ties go to the smaller key in UTF-8 byte order. */
  rows: MoversRow[];
  /** Every other value, summed; null when nothing is left over. */
  other: (MoverValues & { count: number }) | null;
  totals: MoverValues;
}

/** One model call, as stored. */
export interface CallRow {
  /** Epoch ms. */
  time: number;
  service: string;
  model: string;
  modelType: string;
  /** The stored key id (what a filter takes). */
  apiKey: string;
  /** What a person sees for the key: the name, or a masked secret such as `sk-…a1b2`. */
  apiKeyLabel: string;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  durationMs: number | null;
  /** The event's idempotency id, or null. */
  id: string | null;
  /** W3C trace and span ids (lowercase hex) of calls that carried them, e.g. over OTLP; else null. */
  traceId: string | null;
  spanId: string | null;
}

export interface CallsResponse {
  type: 'calls';
  /** The server's reporting currency, sent with every query answer; calls carry no money. */
  currency?: string;
  from: number;
  to: number;
  orderBy: CallOrderId;
  /** Largest first; ties go to the earlier call, then service, model, model type, key and id in UTF-8 byte order. */
  calls: CallRow[];
  /** Time of the earliest raw event kept that the filters (and the token's scope) let through, null for none; calls before it cannot be listed. */
  rawEventsFrom: number | null;
  /** True when the range starts before `rawEventsFrom`, so older calls may be missing from the answer. */
  beforeRawEvents: boolean;
}

export type QueryResponse = TotalsResponse | RankingResponse | TrendResponse | MoversResponse | CallsResponse;

export interface DimensionValuesResponse {
  values: { value: string; label: string }[];
}

export interface HealthResponse {
  status: 'ok';
  service: 'tokenscope';
  version: string;
  engine: string;
  events: number;
  auth: boolean;
}

/** What `POST /api/v1/reprice` changed, per (service, model) and in all; money in the reporting currency. */
export interface RepriceResponse {
  from: number;
  to: number;
  currency: string;
  /** The price table applied. */
  prices: string;
  events: number;
  changed: number;
  cost_before: number;
  cost_after: number;
  unpriced_tokens_before: number;
  unpriced_tokens_after: number;
  /** Only the (service, model) pairs whose cost changed, largest change first. */
  groups: {
    service: string;
    model: string;
    events: number;
    changed: number;
    cost_before: number;
    cost_after: number;
    unpriced_tokens_before: number;
    unpriced_tokens_after: number;
  }[];
}

export interface ErrorResponse {
  error: { code: string; message: string };
}

/** The answer to an ingest request (`POST /api/v1/usage` and every other ingest path). */
export interface IngestResponse {
  /** Events newly stored. */
  accepted: number;
  /** Events whose id was already stored. */
  duplicates: number;
  /** Rejected events by their index in the request, with the field and the reason; at most the first 1000. */
  rejected: { index: number; error: string }[];
  /** All rejections. */
  rejected_total: number;
  /**
   * Only when nothing in the request could be stored (status 400): the API's usual error, naming the first
   * reasons, beside the counts above.
   */
  error?: { code: string; message: string };
}
