/**
 * Backend responses as Grafana data frames, shaped for the panels that show them: totals as one row, a ranking
 * as a table (largest first, "other" last), a trend as one wide time-series frame so stacked bars, legends and
 * a single CSV download work. Names come from the catalogue and are set as displayNameFromDS, so a user's
 * display-name override still wins.
 */
import { createDataFrame, DataFrameType, FieldType, type DataFrame, type FieldConfig, type QueryResultMetaNotice } from '@grafana/data';
import {
  dimensionDefinition,
  granularityDefinition,
  metricDefinition,
  type MetricId,
  type CoarseResolution,
  type MetricValues,
  type QueryResponse,
  type RankingResponse,
  type TotalsResponse,
  type TrendResponse,
  type TrendSeries,
} from '../shared';
import { FRAME_LABELS } from './labels';

export function toFrames(response: QueryResponse, refId: string, metrics: readonly MetricId[]): DataFrame[] {
  const frame = framesOf(response, refId, metrics);
  if (response.coarse) frame.meta = { ...frame.meta, notices: [coarseNotice(response.coarse)] };
  return [frame];
}

function framesOf(response: QueryResponse, refId: string, metrics: readonly MetricId[]): DataFrame {
  switch (response.type) {
    case 'totals':
      return totalsFrame(response, refId, metrics);
    case 'ranking':
      return rankingFrame(response, refId, metrics);
    case 'trend':
      return trendFrame(response, refId);
  }
}

/** The panel's notice when retention made the answer coarser than asked (see CoarseResolution). */
export function coarseNotice(coarse: CoarseResolution): QueryResultMetaNotice {
  const parts = [];
  if (coarse.slotMs > 1) parts.push(FRAME_LABELS.coarserBefore(new Date(coarse.exactFrom).toISOString(), coarse.slotMs));
  if (coarse.keptFrom !== null) parts.push(FRAME_LABELS.keptFrom(new Date(coarse.keptFrom).toISOString()));
  return { severity: 'info', text: parts.join(' ') };
}

function metricConfig(metric: MetricId, displayName: string = metricDefinition(metric).name): FieldConfig {
  const def = metricDefinition(metric);
  return { displayNameFromDS: displayName, unit: def.grafanaUnit, description: def.description };
}

const valueOf = (values: MetricValues, metric: MetricId) => values[metric] ?? null;

function totalsFrame(response: TotalsResponse, refId: string, metrics: readonly MetricId[]): DataFrame {
  return createDataFrame({
    refId,
    fields: metrics.map((metric) => ({ name: metric, type: FieldType.number, values: [valueOf(response.totals, metric)], config: metricConfig(metric) })),
  });
}

function rankingFrame(response: RankingResponse, refId: string, metrics: readonly MetricId[]): DataFrame {
  const rows = [...response.rows.map((r) => ({ label: r.label, metrics: r.metrics, share: r.share }))];
  if (response.other) rows.push({ label: FRAME_LABELS.other, metrics: response.other.metrics, share: response.other.share });
  return createDataFrame({
    refId,
    meta: { preferredVisualisationType: 'table' },
    fields: [
      {
        name: response.dimension,
        type: FieldType.string,
        values: rows.map((r) => r.label),
        config: { displayNameFromDS: dimensionDefinition(response.dimension).name },
      },
      ...metrics.map((metric) => ({ name: metric, type: FieldType.number, values: rows.map((r) => valueOf(r.metrics, metric)), config: metricConfig(metric) })),
      { name: 'share', type: FieldType.number, values: rows.map((r) => r.share), config: { displayNameFromDS: FRAME_LABELS.share, unit: 'percentunit' } },
    ],
  });
}

function trendFrame(response: TrendResponse, refId: string): DataFrame {
  const metricCount = new Set(response.series.map((s) => s.metric)).size;
  return createDataFrame({
    refId,
    meta: { type: DataFrameType.TimeSeriesWide },
    fields: [
      { name: FRAME_LABELS.time, type: FieldType.time, values: response.buckets, config: { interval: granularityDefinition(response.granularity).ms } },
      ...response.series.map((series) => ({
        name: series.metric,
        type: FieldType.number,
        values: series.values,
        labels: series.labels as Record<string, string>,
        config: metricConfig(series.metric, seriesName(series, metricCount)),
      })),
    ],
  });
}

/** Without a split: the metric's name. Split by a dimension: its value, plus the metric when there are several. */
function seriesName(series: TrendSeries, metricCount: number): string {
  const value = Object.values(series.labels)[0];
  if (value === undefined) return metricDefinition(series.metric).name;
  return metricCount > 1 ? FRAME_LABELS.seriesWithMetric(value, metricDefinition(series.metric).name) : value;
}
