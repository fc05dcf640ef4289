/**
 * Top movers: each value of a dimension over the range beside the same dimension over an earlier range of the
 * same length, ranked by the absolute change of one metric, with the rest folded into `other` as a ranking does.
 */
import { DEFAULTS, addSums, zeroSums, type BaseSums, type MoverValues, type MoversResponse, type MoversRow } from '../../shared';
import type { AggregateRow, Store } from '../storage/engine';
import { compareKeys } from '../storage/rank';
import { metricValue, rankOrder, sumsFor } from './metric-values';
import type { NormalisedQuery } from './normalise';
import { planRange } from './plan';

interface Range {
  from: number;
  to: number;
}

interface Pair {
  key: string;
  label: string;
  current: BaseSums;
  previous: BaseSums;
}

/**
 * Sums per key over both ranges, in one request: each range's pieces put their rows in a bucket named by the
 * range's start, so the two come apart by bucket. `requests` is always summed: it tells a new or vanished value.
 * Ranges that start at the same instant (only possible at the epoch) are asked for one after the other.
 */
async function sumsByKey(store: Store, q: NormalisedQuery, ranges: readonly Range[]): Promise<AggregateRow[][]> {
  const ask = (list: readonly Range[]) =>
    store.aggregate({
      pieces: list.flatMap((r) => (r.from < r.to ? planRange(r.from, r.to, store.heldFrom?.()) : [])),
      filters: q.filters,
      groupBy: q.dimension ?? DEFAULTS.dimension,
      sums: sumsFor([...q.metrics, 'requests']),
    });
  const of = (rows: AggregateRow[], range: Range) => rows.filter((row) => row.key !== null && row.bucket === range.from);
  if (ranges[0].from === ranges[1].from) return Promise.all(ranges.map(async (r) => of(await ask([r]), r)));
  const rows = await ask(ranges);
  return ranges.map((r) => of(rows, r));
}

export async function answerMovers(store: Store, q: NormalisedQuery): Promise<MoversResponse> {
  const metric = q.metrics[0];
  const dimension = q.dimension ?? DEFAULTS.dimension;
  const span = q.to - q.from;
  const offset = q.offsetMs ?? span;
  // Events are never stamped before the epoch, so an earlier range reaching before it is cut there.
  const previousFrom = Math.max(0, q.from - offset);
  const previousTo = Math.max(0, q.to - offset);
  const [currentRows, previousRows] = await sumsByKey(store, q, [
    { from: q.from, to: q.to },
    { from: previousFrom, to: previousTo },
  ]);

  const pairs = new Map<string, Pair>();
  const pairOf = (r: AggregateRow) => {
    let p = pairs.get(r.key!);
    if (!p) pairs.set(r.key!, (p = { key: r.key!, label: r.label ?? r.key!, current: zeroSums(), previous: zeroSums() }));
    return p;
  };
  for (const r of currentRows) addSums(pairOf(r).current, r.sums);
  for (const r of previousRows) addSums(pairOf(r).previous, r.sums);

  // Both ranges are equally long, so a metric changes as the total of its base sums does: an exact integer score.
  const order = rankOrder(metric);
  const total = (s: BaseSums) => order.of.reduce((n, c) => n + s[c], 0);
  const score = (p: Pair) => Math.abs(total(p.current) - total(p.previous));
  const ranked = [...pairs.values()].sort((a, b) => score(b) - score(a) || compareKeys(a.key, b.key));

  // The span of each range as the metric formulas see it; the earlier one is shorter only when cut at the epoch.
  const values = (current: BaseSums, previous: BaseSums): MoverValues => {
    const now = metricValue(metric, current, span);
    const before = metricValue(metric, previous, previousTo - previousFrom);
    const change = now === null && before === null ? null : (now ?? 0) - (before ?? 0);
    return { current: now, previous: before, change, changeRatio: change !== null && before ? change / before : null };
  };
  const status = (p: Pair): MoversRow['status'] => (p.previous.requests === 0 ? 'new' : p.current.requests === 0 ? 'vanished' : 'ongoing');
  const summed = (list: Pair[], side: 'current' | 'previous') => list.reduce((acc, p) => addSums(acc, p[side]), zeroSums());

  const top = ranked.slice(0, q.limit);
  const rest = ranked.slice(q.limit);
  return {
    type: 'movers',
    from: q.from,
    to: q.to,
    previousFrom,
    previousTo,
    dimension,
    metric,
    rows: top.map((p) => ({ key: p.key, label: p.label, ...values(p.current, p.previous), status: status(p) })),
    other: rest.length ? { count: rest.length, ...values(summed(rest, 'current'), summed(rest, 'previous')) } : null,
    totals: values(summed(ranked, 'current'), summed(ranked, 'previous')),
  };
}
