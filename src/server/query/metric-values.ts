/** Metric values from base sums, following each metric's formula in the catalogue. */
import { BASE_SUMS, metricDefinition, type BaseSum, type BaseSums, type MetricId } from '../../shared';

/**
 * The value of `metric` for sums gathered over `spanMs` milliseconds of the query range (a bucket clipped
 * to the range, or the whole range). Null for concurrency when no event carried a duration.
 */
export function metricValue(metric: MetricId, sums: BaseSums, spanMs: number): number | null {
  const formula = metricDefinition(metric).formula;
  switch (formula.kind) {
    case 'sum':
      return formula.of.reduce((total, s) => total + sums[s], 0);
    case 'perMinute':
      return spanMs > 0 ? formula.of.reduce((total, s) => total + sums[s], 0) / (spanMs / 60_000) : 0;
    case 'concurrency':
      return sums.timed_requests > 0 && spanMs > 0 ? sums.duration_ms / spanMs : null;
  }
}

/** Every requested metric's value. */
export function metricValues(metrics: readonly MetricId[], sums: BaseSums, spanMs: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const m of metrics) out[m] = metricValue(m, sums, spanMs);
  return out;
}

export function zeroSums(): BaseSums {
  const sums = {} as BaseSums;
  for (const s of BASE_SUMS) sums[s] = 0;
  return sums;
}

/** Adds `more` into `into` and returns it. */
export function addSums(into: BaseSums, more: BaseSums): BaseSums {
  for (const s of BASE_SUMS) into[s] += more[s];
  return into;
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
