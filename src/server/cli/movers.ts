/** `tokenscope movers`: what changed most against the range before (or an offset), from a running backend. */
import type { Command } from 'commander';
import { dimensionDefinition, metricDefinition, type DimensionId, type MetricId, type MoverValues, type MoversResponse } from '../../shared';
import { apiClientFromEnv, type ApiClient } from './api-client';
import { formatInstant, formatMetric, formatNumber, renderTable } from './format';
import { addQueryOptions, parseFilters, parseMetrics, timeRange, type QueryOptions } from './query-options';

export interface MoversOptions extends QueryOptions {
  by?: string;
  offset?: string;
}

export function registerMovers(program: Command): void {
  addQueryOptions(
    program
      .command('movers')
      .description('print the models, services, API keys or model types whose usage changed most against an earlier range')
      .option('--by <dimension>', 'model, service, api_key or model_type (default model)')
      .option('--offset <span>', 'compare with the range this far back, e.g. 7d (default: the range just before, of the same length)'),
    'total_tokens',
  ).action(async (options: MoversOptions) => {
    console.log(await runMovers(options, apiClientFromEnv(options.url), Date.now()));
  });
}

/** Asks for the movers and returns the table as printed. */
export async function runMovers(options: MoversOptions, client: ApiClient, now: number): Promise<string> {
  const movers = await client.query<MoversResponse>({
    type: 'movers',
    ...timeRange(options, now),
    dimension: (options.by ?? 'model') as DimensionId,
    metrics: parseMetrics(options.metric, 'total_tokens').slice(0, 1) as MetricId[],
    filters: parseFilters(options.filter),
    limit: options.limit,
    ...(options.offset ? { offset: options.offset } : {}),
  });
  return formatMovers(movers);
}

/** +12.5% / -40.0%, or `new` where there was nothing before. */
function formatRatio(ratio: number | null): string {
  if (ratio === null) return 'new';
  return `${ratio >= 0 ? '+' : '-'}${Math.abs(ratio * 100).toFixed(1)}%`;
}

export function formatMovers(movers: MoversResponse): string {
  const metric = movers.metric;
  const range = (from: number, to: number) => `${formatInstant(from, 'UTC')} → ${formatInstant(to, 'UTC')}`;
  const title = `${dimensionDefinition(movers.dimension).name} movers by ${metricDefinition(metric).name}, ${range(movers.from, movers.to)} against ${range(movers.previousFrom, movers.previousTo)} UTC`;
  if (movers.rows.length === 0) return `${title}\nno usage in either range`;
  const change = (v: number | null) => (v === null ? '–' : `${v > 0 ? '+' : ''}${formatMetric(metric, v)}`);
  const cells = (v: MoverValues) => [
    formatMetric(metric, v.current),
    formatMetric(metric, v.previous),
    change(v.change),
    v.previous ? formatRatio(v.changeRatio) : v.current ? 'new' : '–',
  ];
  const rows: (string[] | null)[] = movers.rows.map((r, i) => [String(i + 1), r.label, ...cells(r), r.status === 'ongoing' ? '' : r.status]);
  rows.push(null);
  if (movers.other) rows.push(['', `other (${formatNumber(movers.other.count)} more)`, ...cells(movers.other), '']);
  rows.push(['', 'total', ...cells(movers.totals), '']);
  const columns = [
    { header: '#', align: 'right' as const },
    { header: dimensionDefinition(movers.dimension).name },
    { header: 'Now', align: 'right' as const },
    { header: 'Before', align: 'right' as const },
    { header: 'Change', align: 'right' as const },
    { header: 'Change %', align: 'right' as const },
    { header: '' },
  ];
  return `${title}\n\n${renderTable(columns, rows)}`;
}
