/** Response shapes of the query API; the plugin, the CLI and outside scripts rely on them. */
import type { DimensionId, FixedGranularity, MetricId } from './catalogue';

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

export type QueryResponse = TotalsResponse | RankingResponse | TrendResponse;

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
}
