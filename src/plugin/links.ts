/**
 * Grafana data links on the plugin's frames: from a trace id to the tracing data source named in the settings,
 * from a call to Usage Trend narrowed to its key and model, and from a point of a trend to the largest calls of
 * its bucket. Values are filled in by Grafana's own data-link interpolation (`${__value.raw}`, `${__data.fields.x}`).
 */
import type { DataLink } from '@grafana/data';
import { DIMENSION_IDS, type DimensionId, type Filters } from '../shared';
import { LINK_LABELS } from './labels';
import type { TokenscopeOptions, TracingDatasourceType } from './types';

/** The dashboard the links open; shipped with the plugin and provisioned under this uid. */
export const USAGE_TREND_PATH = '/d/tokenscope-usage-trend';

/** What a link needs from the data source settings. */
export interface LinkSettings {
  tracing?: { uid: string; type: TracingDatasourceType };
}

/** The link settings in the data source's jsonData. */
export function linkSettings(jsonData: TokenscopeOptions | undefined): LinkSettings {
  const uid = jsonData?.tracingDatasourceUid?.trim();
  return uid ? { tracing: { uid, type: jsonData?.tracingDatasourceType ?? 'tempo' } } : {};
}

/** How each tracing data source looks up one trace: the query its Explore view takes. */
const TRACE_QUERIES: Record<TracingDatasourceType, { name: string; query: (traceId: string) => Record<string, unknown> }> = {
  tempo: { name: 'Tempo', query: (id) => ({ queryType: 'traceql', query: id }) },
  jaeger: { name: 'Jaeger', query: (id) => ({ query: id }) },
  zipkin: { name: 'Zipkin', query: (id) => ({ queryType: 'traceID', query: id }) },
};

export const TRACING_TYPES = Object.entries(TRACE_QUERIES).map(([id, t]) => ({ id: id as TracingDatasourceType, name: t.name }));

/** The link on a trace id field to the trace in the tracing data source, or none when no data source is set. */
export function traceLinks(settings: LinkSettings): DataLink[] {
  const tracing = settings.tracing;
  if (!tracing?.uid) return [];
  const lookup = TRACE_QUERIES[tracing.type] ?? TRACE_QUERIES.tempo;
  return [
    {
      title: LINK_LABELS.openTrace(lookup.name),
      url: '',
      internal: { datasourceUid: tracing.uid, datasourceName: lookup.name, query: { ...lookup.query('${__value.raw}'), refId: 'trace' } },
    },
  ];
}

/** Variables of Usage Trend, as URL parameters; `${…}` references are left for Grafana to fill in and encode. */
const variable = (dimension: DimensionId, value: string) => `var-${dimension}=${value.startsWith('${') ? value : encodeURIComponent(value)}`;

/** The link on every field of a calls row: Usage Trend over the same range, for that call's model type, key and model. */
export function callTrendLinks(): DataLink[] {
  const params = [
    '${__url_time_range}',
    variable('model_type', '${__data.fields.model_type}'),
    variable('api_key', '${__data.fields.api_key_id}'),
    variable('model', '${__data.fields.model}'),
  ];
  return [{ title: LINK_LABELS.callTrend, url: `${USAGE_TREND_PATH}?${params.join('&')}` }];
}

/**
 * The link on a trend series: Usage Trend over the clicked bucket (its start is the point's time, its end the
 * frame's `bucket_end` field, as a number: its display text is a date), keeping the query's filters and narrowed to the series' own value.
 */
export function bucketCallsLinks(filters: Filters, split: { dimension: DimensionId; key: string } | null): DataLink[] {
  const params = ['from=${__value.time}', 'to=${__data.fields.bucket_end.numeric}'];
  for (const dimension of DIMENSION_IDS) {
    const values = split?.dimension === dimension ? [split.key] : (filters[dimension] ?? []);
    for (const value of values) params.push(variable(dimension, value));
  }
  return [{ title: LINK_LABELS.bucketCalls, url: `${USAGE_TREND_PATH}?${params.join('&')}` }];
}
