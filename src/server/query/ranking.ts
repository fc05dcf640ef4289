/** Totals and rankings: sums over the whole range, split by a dimension with the rest folded into `other`. */
import {
  DEFAULTS,
  addSums,
  zeroSums,
  type BaseSums,
  type CoarseResolution,
  type DimensionId,
  type MetricId,
  type RankingResponse,
  type TotalsResponse,
} from '../../shared';
import type { AggregateRow, Store } from '../storage/engine';
import { rankRows } from '../storage/rank';
import { metricValue, metricValues, rankOrder, sumsFor } from './metric-values';
import type { NormalisedQuery } from './normalise';
import { coarseResolution, planRange } from './plan';

export async function answerTotals(store: Store, q: NormalisedQuery): Promise<TotalsResponse> {
  const rows = await store.aggregate({ pieces: planRange(q.from, q.to, store.heldFrom?.()), filters: q.filters, sums: sumsFor(q.metrics) });
  const sums = rows.reduce((acc, r) => addSums(acc, r.sums), zeroSums());
  return { type: 'totals', from: q.from, to: q.to, totals: metricValues(q.metrics, sums, q.to - q.from), ...coarseNote(store, q) };
}

/** Every value of a dimension over the range with its sums, largest first by `orderBy`. */
export async function rankedValues(
  store: Store,
  q: Pick<NormalisedQuery, 'from' | 'to' | 'filters'>,
  dimension: DimensionId,
  orderBy: MetricId,
  metrics: readonly MetricId[] = [orderBy],
): Promise<AggregateRow[]> {
  const rows = await store.aggregate({ pieces: planRange(q.from, q.to, store.heldFrom?.()), filters: q.filters, groupBy: dimension, sums: sumsFor(metrics) });
  return rankRows(
    rows.filter((r) => r.key !== null),
    rankOrder(orderBy),
  );
}

export async function answerRanking(store: Store, q: NormalisedQuery): Promise<RankingResponse> {
  const span = q.to - q.from;
  const first = q.metrics[0];
  const dimension = q.dimension ?? DEFAULTS.dimension;
  const ranked = await rankedValues(store, q, dimension, first, q.metrics);
  const total = ranked.reduce((acc, r) => addSums(acc, r.sums), zeroSums());
  const totalFirst = metricValue(first, total, span) ?? 0;
  const share = (sums: BaseSums) => (totalFirst > 0 ? (metricValue(first, sums, span) ?? 0) / totalFirst : 0);
  const top = ranked.slice(0, q.limit);
  const rest = ranked.slice(q.limit);
  const restSums = rest.reduce((acc, r) => addSums(acc, r.sums), zeroSums());
  return {
    type: 'ranking',
    from: q.from,
    to: q.to,
    dimension,
    rows: top.map((r) => ({ key: r.key!, label: r.label ?? r.key!, metrics: metricValues(q.metrics, r.sums, span), share: share(r.sums) })),
    other: rest.length ? { count: rest.length, metrics: metricValues(q.metrics, restSums, span), share: share(restSums) } : null,
    totals: metricValues(q.metrics, total, span),
    ...coarseNote(store, q),
  };
}

/** `{ coarse }` when retention made an answer over [from, to) (with these bucket boundaries) coarser than asked. */
export function coarseNote(store: Store, q: Pick<NormalisedQuery, 'from' | 'to'>, boundaries: readonly number[] = []): { coarse?: CoarseResolution } {
  const coarse = coarseResolution(q.from, q.to, boundaries, store.heldFrom?.());
  return coarse ? { coarse } : {};
}
