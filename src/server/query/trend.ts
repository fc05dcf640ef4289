/** Trends: zero-filled buckets aligned in the query's time zone, one series per metric or per top-N value. */
import { OTHER_LABEL, addSums, zeroSums, type BaseSums, type DimensionId, type MetricId, type TrendResponse, type TrendSeries } from '../../shared';
import type { AggregateRow, Store } from '../storage/engine';
import { bucketBoundaries } from './buckets';
import { metricSeries, rankOrder, sumsFor } from './metric-values';
import type { NormalisedQuery } from './normalise';
import { planBuckets } from './plan';
import { rankedTotals } from '../storage/rank';
import { coarseNote, rankedValues } from './ranking';

/** The rows a trend is built from, with its buckets: shared by the trend response and the CSV export. */
export interface TrendData {
  /** Bucket starts, then the end of the last bucket. */
  boundaries: number[];
  /** Each bucket's milliseconds inside [from, to): the per-minute and concurrency denominators. */
  spans: number[];
  /** Split keys in ranking order, each with its label; `null` stands for the folded rest. */
  keys: { key: string | null; label: string | null }[];
  /** Sums per key, one entry per bucket (buckets without events share one frozen zero row). */
  sums: Map<string | null, readonly BaseSums[]>;
}

/** The sums of a bucket no event reached. */
const NO_SUMS: BaseSums = Object.freeze(zeroSums());

/** Buckets and sums of a trend; split by `q.dimension` (top `q.limit` values plus the rest) when it is set. */
export async function trendData(store: Store, q: NormalisedQuery): Promise<TrendData> {
  const boundaries = bucketBoundaries(q.from, q.to, q.granularity, q.timezone);
  const n = boundaries.length - 1;
  const spans = Array.from({ length: n }, (_, i) => Math.min(boundaries[i + 1], q.to) - Math.max(boundaries[i], q.from));
  const pieces = planBuckets(q.from, q.to, boundaries, store.heldFrom?.());
  const needed = sumsFor(q.metrics);

  let keys: TrendData['keys'] = [{ key: null, label: null }];
  let rows: AggregateRow[];
  if (q.dimension && store.capabilities?.topN) {
    // One pass: the store ranks and folds; the kept keys are put in ranking order from their totals here.
    const order = rankOrder(q.metrics[0]);
    rows = await store.aggregate({ pieces, filters: q.filters, groupBy: q.dimension, top: { limit: q.limit, order }, sums: needed });
    keys = rankedTotals(rows, order).map((t) => ({ key: t.key, label: t.label ?? t.key }));
    if (rows.some((r) => r.key === null)) keys.push({ key: null, label: null });
  } else if (q.dimension) {
    // Two passes: rank over the range, then split the buckets by the top keys.
    const ranked = await rankedValues(store, q, q.dimension, q.metrics[0]);
    const top = ranked.slice(0, q.limit);
    keys = top.map((r) => ({ key: r.key, label: r.label ?? r.key }));
    if (ranked.length > top.length) keys.push({ key: null, label: null });
    rows = top.length ? await store.aggregate({ pieces, filters: q.filters, groupBy: q.dimension, keep: top.map((r) => r.key!), sums: needed }) : [];
  } else {
    rows = await store.aggregate({ pieces, filters: q.filters, sums: needed });
  }

  const index = new Map(boundaries.slice(0, n).map((b, i) => [b, i]));
  // A cell is the first row that lands in it (the store's rows are this call's own), added to by later ones; cells
  // no row reaches share one zero row. A dashboard sends a dozen trends of hundreds of buckets per series at once:
  // a fresh zero row per cell made most of their work garbage collection.
  const cells = new Map<string | null, (BaseSums | undefined)[]>(keys.map((k) => [k.key, new Array<BaseSums | undefined>(n)]));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const i = index.get(row.bucket);
    if (i === undefined) throw new Error(`store returned bucket ${row.bucket} outside the plan`);
    let series = cells.get(row.key);
    if (!series && row.key === null) {
      // Events of other values arrived between the ranking and the split: they are the rest after all.
      cells.set(null, (series = new Array<BaseSums | undefined>(n)));
      keys.push({ key: null, label: null });
    }
    if (!series) throw new Error(`store returned key ${row.key}, which it was not asked to keep`);
    const cell = series[i];
    if (cell) addSums(cell, row.sums);
    else series[i] = row.sums;
  }
  // Filled in place (no copy): every cell no row reached gets the shared zero row.
  for (const series of cells.values()) for (let i = 0; i < n; i++) series[i] ??= NO_SUMS;
  return { boundaries, spans, keys, sums: cells as Map<string | null, BaseSums[]> };
}

export async function answerTrend(store: Store, q: NormalisedQuery): Promise<TrendResponse> {
  const data = await trendData(store, q);
  const dimension = q.dimension;
  const series: TrendSeries[] = [];
  for (const metric of q.metrics) {
    for (const { key, label } of data.keys) {
      series.push(seriesOf(metric, data.sums.get(key)!, data.spans, dimension ? { key, label, dimension } : null));
    }
  }
  return {
    type: 'trend',
    from: q.from,
    to: q.to,
    granularity: q.granularity,
    timezone: q.timezone,
    buckets: data.boundaries.slice(0, -1),
    series,
    ...coarseNote(store, q, data.boundaries),
  };
}

function seriesOf(
  metric: MetricId,
  sums: readonly BaseSums[],
  spans: number[],
  split: { key: string | null; label: string | null; dimension: DimensionId } | null,
): TrendSeries {
  const values = metricSeries(metric, sums, spans);
  let [min, max, total, count] = [Infinity, -Infinity, 0, 0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    total += v;
    count++;
  }
  const stats = count ? { min, max, avg: total / count } : { min: null, max: null, avg: null };
  if (!split) return { metric, key: null, labels: {}, values, ...stats };
  const isOther = split.key === null;
  return {
    metric,
    key: isOther ? OTHER_LABEL : split.key,
    labels: { [split.dimension]: isOther ? OTHER_LABEL : (split.label ?? split.key!) },
    ...(isOther ? { isOther: true } : {}),
    values,
    ...stats,
  };
}
