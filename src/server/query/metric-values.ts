/** Metric values from base sums, following each metric's formula in the catalogue. */
import { BASE_SUMS, metricDefinition, type BaseSum, type BaseSums, type MetricId } from '../../shared';
import type { RankOrder } from '../storage/engine';

/**
 * The value of `metric` for sums gathered over `spanMs` milliseconds of the query range (a bucket clipped
 * to the range, or the whole range). Null for concurrency when no event carried a duration.
 */
export function metricValue(metric: MetricId, sums: BaseSums, spanMs: number): number | null {
  const formula = metricDefinition(metric).formula;
  switch (formula.kind) {
    case 'sum':
      return formula.of.reduce((total, s) => total + sums[s], 0);
    case 'money':
      return formula.of.reduce((total, s) => total + sums[s], 0) / 1_000_000;
    case 'perMinute':
      return spanMs > 0 ? formula.of.reduce((total, s) => total + sums[s], 0) / (spanMs / 60_000) : 0;
    case 'concurrency':
      return sums.timed_requests > 0 && spanMs > 0 ? sums.duration_ms / spanMs : null;
  }
}

/** A money metric's exact value in micro-units (0 for any other metric). */
export function moneyMicros(metric: MetricId, sums: BaseSums): number {
  const formula = metricDefinition(metric).formula;
  return formula.kind === 'money' ? formula.of.reduce((total, s) => total + sums[s], 0) : 0;
}

/** Every requested metric's value. */
export function metricValues(metrics: readonly MetricId[], sums: BaseSums, spanMs: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const m of metrics) out[m] = metricValue(m, sums, spanMs);
  return out;
}

/** The base sums the metrics are computed from: what a query asks its store for. */
export function sumsFor(metrics: readonly MetricId[]): BaseSum[] {
  const needed = new Set<BaseSum>();
  for (const m of metrics) {
    const formula = metricDefinition(m).formula;
    const of: readonly BaseSum[] = formula.kind === 'concurrency' ? ['duration_ms', 'timed_requests'] : formula.of;
    for (const s of of) needed.add(s);
  }
  return BASE_SUMS.filter((s) => needed.has(s));
}

/** How a metric orders a ranking: over one span, a metric orders values as the total of its base sums does. */
export function rankOrder(metric: MetricId): RankOrder {
  const formula = metricDefinition(metric).formula;
  return formula.kind === 'concurrency' ? { of: ['duration_ms'], timedOnly: true } : { of: formula.of, timedOnly: false };
}
