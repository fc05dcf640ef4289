/** `tokenscope top`: a ranking table from a running backend (top N with share, the other row, the total). */
import type { Command } from 'commander';
import { dimensionDefinition, metricDefinition, type DimensionId, type MetricId, type RankingResponse } from '../../shared';
import { apiClientFromEnv, type ApiClient } from './api-client';
import { formatInstant, formatMetric, formatNumber, formatShare, metricHeader, renderTable } from './format';
import { addQueryOptions, parseFilters, parseMetrics, timeRange, type QueryOptions } from './query-options';

export interface TopOptions extends QueryOptions {
  by?: string;
}

export function registerTop(program: Command): void {
  addQueryOptions(
    program
      .command('top')
      .description('print the top N models, services, API keys or model types of a running backend')
      .option('--by <dimension>', 'model, service, api_key or model_type (default model)'),
    'total_tokens',
  ).action(async (options: TopOptions) => {
    console.log(await runTop(options, apiClientFromEnv(options.url), Date.now()));
  });
}

/** Asks for the ranking and returns the table as printed. */
export async function runTop(options: TopOptions, client: ApiClient, now: number): Promise<string> {
  const ranking = await client.query<RankingResponse>({
    type: 'ranking',
    ...timeRange(options, now),
    dimension: (options.by ?? 'model') as DimensionId,
    metrics: parseMetrics(options.metric, 'total_tokens') as MetricId[],
    filters: parseFilters(options.filter),
    limit: options.limit,
  });
  return formatRanking(ranking);
}

export function formatRanking(ranking: RankingResponse): string {
  const metrics = Object.keys(ranking.totals) as MetricId[];
  const dimension = dimensionDefinition(ranking.dimension);
  const title = `${dimension.name} ranking by ${metricDefinition(metrics[0]).name}, ${formatInstant(ranking.from, 'UTC')} → ${formatInstant(ranking.to, 'UTC')} UTC`;
  if (ranking.rows.length === 0) return `${title}\nno usage in this range`;
  const cells = (values: RankingResponse['totals']) => metrics.map((m) => formatMetric(m, values[m]));
  const rows: (string[] | null)[] = ranking.rows.map((r, i) => [String(i + 1), r.label, ...cells(r.metrics), formatShare(r.share)]);
  rows.push(null);
  if (ranking.other) rows.push(['', `other (${formatNumber(ranking.other.count)} more)`, ...cells(ranking.other.metrics), formatShare(ranking.other.share)]);
  const totalShare = ranking.rows.reduce((sum, r) => sum + r.share, ranking.other?.share ?? 0);
  rows.push(['', 'total', ...cells(ranking.totals), formatShare(totalShare)]);
  const columns = [
    { header: '#', align: 'right' as const },
    { header: dimension.name },
    ...metrics.map((m) => ({ header: metricHeader(m, ranking.currency), align: 'right' as const })),
    { header: 'Share', align: 'right' as const },
  ];
  return `${title}\n\n${renderTable(columns, rows)}`;
}
