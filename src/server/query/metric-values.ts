/** Metric values from base sums, following each metric's formula in the catalogue. */
import { BASE_SUMS, metricDefinition, type BaseSum, type BaseSums, type MetricId } from '../../shared';
import type { RankOrder } from '../storage/engine';

/** How a metric's value is computed from base sums over a span of milliseconds. */
type MetricFunction = (sums: BaseSums, spanMs: number) => number | null;

/** Each metric's formula made a function once: a trend computes one value per bucket and series. */
const metricFunctions = new Map<MetricId, MetricFunction>();

function metricFunction(metric: MetricId): MetricFunction {
  let fn = metricFunctions.get(metric);
  if (fn) return fn;
  const formula = metricDefinition(metric).formula;
  const total = (sums: BaseSums, of: readonly BaseSum[]) => {
    let n = 0;
    for (let i = 0; i < of.length; i++) n += sums[of[i]];
    return n;
  };
  switch (formula.kind) {
    case 'sum':
      fn = (sums) => total(sums, formula.of);
      break;
    case 'money':
      fn = (sums) => total(sums, formula.of) / 1_000_000;
      break;
    case 'perMinute':
      fn = (sums, spanMs) => (spanMs > 0 ? total(sums, formula.of) / (spanMs / 60_000) : 0);
      break;
    case 'concurrency':
      fn = (sums, spanMs) => (sums.timed_requests > 0 && spanMs > 0 ? sums.duration_ms / spanMs : null);
      break;
  }
  metricFunctions.set(metric, fn);
  return fn;
}

/**
 * The value of `metric` for sums gathered over `spanMs` milliseconds of the query range (a bucket clipped
 * to the range, or the whole range). Null for concurrency when no event carried a duration.
 */
export function metricValue(metric: MetricId, sums: BaseSums, spanMs: number): number | null {
  return metricFunction(metric)(sums, spanMs);
}

/** The values of `metric` for sums gathered over the matching spans (a trend's buckets). */
export function metricSeries(metric: MetricId, sums: readonly BaseSums[], spansMs: readonly number[]): (number | null)[] {
  const fn = metricFunction(metric);
  const values = new Array<number | null>(sums.length);
  for (let i = 0; i < sums.length; i++) values[i] = fn(sums[i], spansMs[i]);
  return values;
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
