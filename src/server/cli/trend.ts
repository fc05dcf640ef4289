/** `tokenscope trend`: a trend from a running backend, as a sparkline per series or a table of buckets, with min/max/avg. */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import {
  dimensionDefinition,
  granularityDefinition,
  metricDefinition,
  type DimensionId,
  type FixedGranularity,
  type Granularity,
  type MetricId,
  type TrendResponse,
  type TrendSeries,
} from '../../shared';
import { apiClientFromEnv, type ApiClient } from './api-client';
import { formatInstant, formatMetric, renderTable, sparkline, type Column } from './format';
import { addQueryOptions, parseFilters, parseMetrics, timeRange, type QueryOptions } from './query-options';

export interface TrendOptions extends QueryOptions {
  by?: string;
  granularity?: string;
  timezone?: string;
  table?: boolean;
}

/** Up to this many buckets are printed as a table; more as sparklines (unless --table). */
const TABLE_MAX_BUCKETS = 24;
/** Sparkline width, and the point count `auto` granularity aims for. */
const WIDTH = 60;

export function registerTrend(program: Command): void {
  addQueryOptions(
    program
      .command('trend')
      .description('print a trend of a running backend: one series per metric, or per top-N value with --by')
      .option('--granularity <g>', 'auto, 1m, 5m, 1h or 1d (default auto)')
      .option('--by <dimension>', 'split by model, service, api_key or model_type')
      .option('--timezone <zone>', 'IANA zone that buckets align to and times are shown in (default UTC)')
      .option('--table', `print every bucket as a row (the default up to ${TABLE_MAX_BUCKETS} buckets)`),
    'total_tokens',
  ).action(async (options: TrendOptions) => {
    console.log(await runTrend(options, apiClientFromEnv(options.url), Date.now()));
  });
}

/** Asks for the trend and returns the output as printed. */
export async function runTrend(options: TrendOptions, client: ApiClient, now: number): Promise<string> {
  const trend = await client.query<TrendResponse>({
    type: 'trend',
    ...timeRange(options, now),
    metrics: parseMetrics(options.metric, 'total_tokens') as MetricId[],
    dimension: options.by as DimensionId | undefined,
    filters: parseFilters(options.filter),
    granularity: options.granularity as Granularity | undefined,
    limit: options.limit,
    timezone: options.timezone,
    maxDataPoints: WIDTH,
  });
  return formatTrend(trend, options.table === true);
}

export function formatTrend(trend: TrendResponse, asTable: boolean): string {
  const metrics = [...new Set(trend.series.map((s) => s.metric))];
  const split = trend.series.some((s) => s.key !== null);
  const label = (s: TrendSeries) => {
    const name = Object.values(s.labels)[0];
    if (name === undefined) return metricDefinition(s.metric).name;
    return metrics.length > 1 ? `${metricDefinition(s.metric).name} · ${name}` : name;
  };
  const title =
    `${metrics.map((m) => metricDefinition(m).name).join(', ')}${split ? ` by ${dimensionDefinition(Object.keys(trend.series[0].labels)[0] as DimensionId).name}` : ''}, ` +
    `${trend.granularity} buckets, ${formatInstant(trend.from, trend.timezone)} → ${formatInstant(trend.to, trend.timezone)} ${trend.timezone}`;
  if (trend.series.length === 0) return `${title}\nno usage in this range`;
  const partial = partialBuckets(trend);
  const stats = (s: TrendSeries) => {
    const { min, max, avg } = fullBucketStats(s, partial);
    return [formatMetric(s.metric, min), formatMetric(s.metric, max), formatMetric(s.metric, avg)];
  };
  const footnote = partial.some(Boolean) ? `\n* partial bucket: the range covers only part of it; min and avg of token and request counts leave it out` : '';

  if (asTable || trend.buckets.length <= TABLE_MAX_BUCKETS) {
    const columns: Column[] = [{ header: 'Bucket' }, ...trend.series.map((s) => ({ header: label(s), align: 'right' as const }))];
    const rows: (string[] | null)[] = trend.buckets.map((b, i) => [
      `${formatInstant(b, trend.timezone)}${partial[i] ? ' *' : ''}`,
      ...trend.series.map((s) => formatMetric(s.metric, s.values[i])),
    ]);
    rows.push(null);
    ['min', 'max', 'avg'].forEach((name, k) => rows.push([name, ...trend.series.map((s) => stats(s)[k])]));
    return `${title}\n\n${renderTable(columns, rows)}${footnote}`;
  }
  const columns: Column[] = [
    { header: 'Series' },
    { header: 'Trend' },
    { header: 'Min', align: 'right' },
    { header: 'Max', align: 'right' },
    { header: 'Avg', align: 'right' },
  ];
  const rows = trend.series.map((s) => [label(s), sparkline(s.values, WIDTH), ...stats(s)]);
  const span = `${trend.buckets.length} buckets from ${formatInstant(trend.buckets[0], trend.timezone)}; --table prints each`;
  return `${title}\n\n${renderTable(columns, rows)}${footnote}\n${span}`;
}

/**
 * Which buckets the range covers only in part: the first when the range starts after it does, the last when the
 * range ends before it would. A sum over part of a bucket looks like a dip, so min and avg leave such buckets out.
 */
export function partialBuckets(trend: TrendResponse): boolean[] {
  const last = trend.buckets.length - 1;
  const granularity = trend.granularity as FixedGranularity;
  const nominalEnd = (start: number) =>
    granularity === '1d' ? DateTime.fromMillis(start, { zone: trend.timezone }).plus({ days: 1 }).toMillis() : start + granularityDefinition(granularity).ms;
  return trend.buckets.map((start, i) => (i === 0 && start < trend.from) || (i === last && nominalEnd(start) > trend.to));
}

/**
 * Min, max and avg of a series; for counts (sums over the bucket) min and avg over whole buckets only. Rates per
 * minute and concurrency are already measured over the minutes inside the range, so they keep the server's.
 */
function fullBucketStats(s: TrendSeries, partial: readonly boolean[]): { min: number | null; max: number | null; avg: number | null } {
  if (metricDefinition(s.metric).formula.kind !== 'sum' || !partial.some(Boolean)) return s;
  const whole = s.values.filter((v, i): v is number => !partial[i] && v !== null);
  if (whole.length === 0) return s;
  return { min: Math.min(...whole), max: s.max, avg: whole.reduce((a, b) => a + b, 0) / whole.length };
}
