/** `tokenscope trend`: a trend from a running backend, as a sparkline per series or a table of buckets, with min/max/avg. */
import type { Command } from 'commander';
import { dimensionDefinition, metricDefinition, type DimensionId, type Granularity, type MetricId, type TrendResponse, type TrendSeries } from '../../shared';
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
  const stats = (s: TrendSeries) => [formatMetric(s.metric, s.min), formatMetric(s.metric, s.max), formatMetric(s.metric, s.avg)];

  if (asTable || trend.buckets.length <= TABLE_MAX_BUCKETS) {
    const columns: Column[] = [{ header: 'Bucket' }, ...trend.series.map((s) => ({ header: label(s), align: 'right' as const }))];
    const rows: (string[] | null)[] = trend.buckets.map((b, i) => [formatInstant(b, trend.timezone), ...trend.series.map((s) => formatMetric(s.metric, s.values[i]))]);
    rows.push(null);
    ['min', 'max', 'avg'].forEach((name, k) => rows.push([name, ...trend.series.map((s) => stats(s)[k])]));
    return `${title}\n\n${renderTable(columns, rows)}`;
  }
  const columns: Column[] = [{ header: 'Series' }, { header: 'Trend' }, { header: 'Min', align: 'right' }, { header: 'Max', align: 'right' }, { header: 'Avg', align: 'right' }];
  const rows = trend.series.map((s) => [label(s), sparkline(s.values, WIDTH), ...stats(s)]);
  const span = `${trend.buckets.length} buckets from ${formatInstant(trend.buckets[0], trend.timezone)}; --table prints each`;
  return `${title}\n\n${renderTable(columns, rows)}\n${span}`;
}
