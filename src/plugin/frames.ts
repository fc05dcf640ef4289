/**
 * Backend responses as Grafana data frames, shaped for the panels that show them: totals as one row, a ranking
 * or movers as a table (in the backend's order, "other" last), a trend as one wide time-series frame so stacked
 * bars, legends and a single CSV download work, the largest calls as a table with data links. Names come from
 * the catalogue and are set as displayNameFromDS, so a user's display-name override still wins.
 */
import { createDataFrame, DataFrameType, FieldType, type DataFrame, type FieldConfig, type QueryResultMetaNotice } from '@grafana/data';
import {
  currencyUnit,
  dimensionDefinition,
  type CallRow,
  type CallsResponse,
  type Filters,
  type MoversResponse,
  type MoverValues,
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
  type DimensionId,
} from '../shared';
import { FRAME_LABELS } from './labels';
import { bucketCallsLinks, callTrendLinks, traceLinks, type LinkSettings } from './links';

/** What the frames' data links need: the data source's link settings and the filters the query ran with. */
export interface FrameContext {
  links?: LinkSettings;
  filters?: Filters;
}

export function toFrames(response: QueryResponse, refId: string, metrics: readonly MetricId[], context: FrameContext = {}): DataFrame[] {
  const frame = frameOf(response, refId, metrics, context);
  if ('coarse' in response && response.coarse) frame.meta = { ...frame.meta, notices: [coarseNotice(response.coarse)] };
  return [frame];
}

function frameOf(response: QueryResponse, refId: string, metrics: readonly MetricId[], context: FrameContext): DataFrame {
  const currency = response.currency ?? 'USD';
  switch (response.type) {
    case 'totals':
      return totalsFrame(response, refId, metrics, currency);
    case 'ranking':
      return rankingFrame(response, refId, metrics, currency);
    case 'trend':
      return trendFrame(response, refId, currency, context.filters ?? {});
    case 'movers':
      return moversFrame(response, refId, currency);
    case 'calls':
      return callsFrame(response, refId, context.links ?? {});
  }
}

/** The panel's notice when retention made the answer coarser than asked (see CoarseResolution). */
export function coarseNotice(coarse: CoarseResolution): QueryResultMetaNotice {
  const parts = [];
  if (coarse.slotMs > 1) parts.push(FRAME_LABELS.coarserBefore(new Date(coarse.exactFrom).toISOString(), coarse.slotMs));
  if (coarse.keptFrom !== null) parts.push(FRAME_LABELS.keptFrom(new Date(coarse.keptFrom).toISOString()));
  return { severity: 'info', text: parts.join(' ') };
}

/** Money metrics take Grafana's unit for the server's reporting currency; every other metric its catalogue unit. */
function metricConfig(metric: MetricId, currency: string, displayName: string = metricDefinition(metric).name): FieldConfig {
  const def = metricDefinition(metric);
  return { displayNameFromDS: displayName, unit: def.unit === 'currency' ? currencyUnit(currency) : def.grafanaUnit, description: def.description };
}

const valueOf = (values: MetricValues, metric: MetricId) => values[metric] ?? null;

function totalsFrame(response: TotalsResponse, refId: string, metrics: readonly MetricId[], currency: string): DataFrame {
  return createDataFrame({
    refId,
    fields: metrics.map((metric) => ({
      name: metric,
      type: FieldType.number,
      values: [valueOf(response.totals, metric)],
      config: metricConfig(metric, currency),
    })),
  });
}

function rankingFrame(response: RankingResponse, refId: string, metrics: readonly MetricId[], currency: string): DataFrame {
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
      ...metrics.map((metric) => ({
        name: metric,
        type: FieldType.number,
        values: rows.map((r) => valueOf(r.metrics, metric)),
        config: metricConfig(metric, currency),
      })),
      { name: 'share', type: FieldType.number, values: rows.map((r) => r.share), config: { displayNameFromDS: FRAME_LABELS.share, unit: 'percentunit' } },
    ],
  });
}

function trendFrame(response: TrendResponse, refId: string, currency: string, filters: Filters): DataFrame {
  const metricCount = new Set(response.series.map((s) => s.metric)).size;
  const dimension = Object.keys(response.series[0]?.labels ?? {})[0] as DimensionId | undefined;
  // The folded rest has no one value to narrow to: its link keeps the query's filters only.
  const linksOf = (series: TrendSeries) =>
    bucketCallsLinks(filters, dimension && !series.isOther && series.key !== null ? { dimension, key: series.key } : null);
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
        config: { ...metricConfig(series.metric, currency, seriesName(series, metricCount)), links: linksOf(series) },
      })),
      // Where each bucket ends (the last at the range's end), for the "largest calls in this bucket" link; not drawn.
      {
        name: 'bucket_end',
        type: FieldType.time,
        values: response.buckets.map((_, i) => response.buckets[i + 1] ?? response.to),
        config: { displayNameFromDS: FRAME_LABELS.bucketEnd, custom: { hideFrom: { viz: true, legend: true, tooltip: true } } },
      },
    ],
  });
}

function moversFrame(response: MoversResponse, refId: string, currency: string): DataFrame {
  const rows: (MoverValues & { label: string; status: string })[] = [...response.rows];
  if (response.other) rows.push({ ...response.other, label: FRAME_LABELS.other, status: '' });
  const number = (name: keyof MoverValues, config: FieldConfig) => ({ name, type: FieldType.number, values: rows.map((r) => r[name]), config });
  const labels = FRAME_LABELS.movers;
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
      number('current', metricConfig(response.metric, currency, labels.current)),
      number('previous', metricConfig(response.metric, currency, labels.previous)),
      number('change', { displayNameFromDS: labels.change, unit: metricConfig(response.metric, currency).unit }),
      number('changeRatio', { displayNameFromDS: labels.changeRatio, unit: 'percentunit' }),
      { name: 'status', type: FieldType.string, values: rows.map((r) => r.status), config: { displayNameFromDS: labels.status } },
    ],
  });
}

/** A largest-calls table's token columns: the metric each is named and shown as, and the call's field. */
type NumberField = { [K in keyof CallRow]: CallRow[K] extends number ? K : never }[keyof CallRow];
const CALL_TOKEN_COLUMNS: readonly [MetricId, NumberField][] = [
  ['total_tokens', 'totalTokens'],
  ['input_tokens', 'inputTokens'],
  ['output_tokens', 'outputTokens'],
  ['cache_read_tokens', 'cacheReadTokens'],
  ['cache_write_tokens', 'cacheWriteTokens'],
  ['reasoning_tokens', 'reasoningTokens'],
];

function callsFrame(response: CallsResponse, refId: string, links: LinkSettings): DataFrame {
  const calls = response.calls;
  const rowLinks = callTrendLinks();
  const column = (name: string, type: FieldType, values: unknown[], config: FieldConfig) => ({ name, type, values, config: { ...config, links: rowLinks } });
  const tokens = (name: MetricId, values: number[]) =>
    column(name, FieldType.number, values, { displayNameFromDS: metricDefinition(name).name, unit: 'short' });
  const labels = FRAME_LABELS.calls;
  const notice =
    response.beforeRawEvents && response.rawEventsFrom !== null ? FRAME_LABELS.beforeRawEvents(new Date(response.rawEventsFrom).toISOString()) : null;
  return createDataFrame({
    refId,
    meta: { preferredVisualisationType: 'table', ...(notice ? { notices: [{ severity: 'info' as const, text: notice }] } : {}) },
    fields: [
      column(
        'time',
        FieldType.time,
        calls.map((c) => c.time),
        { displayNameFromDS: FRAME_LABELS.time },
      ),
      column(
        'service',
        FieldType.string,
        calls.map((c) => c.service),
        { displayNameFromDS: dimensionDefinition('service').name },
      ),
      column(
        'model',
        FieldType.string,
        calls.map((c) => c.model),
        { displayNameFromDS: dimensionDefinition('model').name },
      ),
      column(
        'model_type',
        FieldType.string,
        calls.map((c) => c.modelType),
        { displayNameFromDS: dimensionDefinition('model_type').name },
      ),
      column(
        'api_key',
        FieldType.string,
        calls.map((c) => c.apiKeyLabel),
        { displayNameFromDS: dimensionDefinition('api_key').name },
      ),
      // What a filter takes (a one-way id for a secret key); hidden in tables, used by the row's link. Grafana 12's
      // table (TableNG) hides a column by `hideFrom.viz`, Grafana 11's by `hidden`.
      column(
        'api_key_id',
        FieldType.string,
        calls.map((c) => c.apiKey),
        {
          displayNameFromDS: labels.apiKeyId,
          custom: { hidden: true, hideFrom: { viz: true, legend: false, tooltip: false } },
        },
      ),
      ...CALL_TOKEN_COLUMNS.map(([name, key]) =>
        tokens(
          name,
          calls.map((c) => c[key]),
        ),
      ),
      column(
        'duration_ms',
        FieldType.number,
        calls.map((c) => c.durationMs),
        { displayNameFromDS: labels.durationMs, unit: 'ms' },
      ),
      column(
        'id',
        FieldType.string,
        calls.map((c) => c.id),
        { displayNameFromDS: labels.id },
      ),
      {
        name: 'trace_id',
        type: FieldType.string,
        values: calls.map((c) => c.traceId),
        config: { displayNameFromDS: labels.traceId, links: traceLinks(links) },
      },
      column(
        'span_id',
        FieldType.string,
        calls.map((c) => c.spanId),
        { displayNameFromDS: labels.spanId },
      ),
    ],
  });
}

/** Without a split: the metric's name. Split by a dimension: its value, plus the metric when there are several. */
function seriesName(series: TrendSeries, metricCount: number): string {
  const value = Object.values(series.labels)[0];
  if (value === undefined) return metricDefinition(series.metric).name;
  return metricCount > 1 ? FRAME_LABELS.seriesWithMetric(value, metricDefinition(series.metric).name) : value;
}
