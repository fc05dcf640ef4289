/** Every string the plugin shows a person, in one place. Metric and dimension names come from the shared catalogue. */
import { OTHER_LABEL } from '../shared';

export const LABELS = {
  config: {
    connectionTitle: 'Tokenscope backend',
    urlLabel: 'URL',
    urlTooltip: "Base URL of the Tokenscope backend as the Grafana server reaches it (requests go through Grafana's data source proxy).",
    urlPlaceholder: 'http://tokenscope:8080',
    tokenLabel: 'API token',
    tokenTooltip: 'A read token of the backend (TOKENSCOPE_READ_TOKENS). Stored encrypted; Grafana adds it on its server, it never reaches the browser.',
    tokenPlaceholder: 'read token (leave empty when the backend runs without auth)',
    urlInvalid: 'Enter an http:// or https:// URL, e.g. http://tokenscope:8080',
    linksTitle: 'Trace links',
    tracingUidLabel: 'Tracing uid',
    tracingUidTooltip: 'Uid of the Tempo, Jaeger or Zipkin data source that trace ids in "Largest calls" tables open in. Empty: no trace links.',
    tracingUidPlaceholder: 'e.g. tempo',
    tracingTypeLabel: 'Tracing type',
  },
  query: {
    queryType: 'Query type',
    metrics: 'Metrics',
    metricsTooltip: 'What to compute; the first one orders a ranking.',
    dimension: 'Dimension',
    dimensionTooltip: 'Ranking: what is ranked. Trend: one series per value (top N plus "other"); None draws one series per metric.',
    noDimension: 'None (one series per metric)',
    granularity: 'Granularity',
    granularityTooltip: 'Bucket size of a trend. Auto follows the panel interval and max data points.',
    auto: 'Auto',
    topN: 'Top N',
    topNTooltip: 'How many values to show; the rest is summed as "other". A number from 1 to 1000, or a variable such as $topN.',
    offset: 'Compare with',
    offsetTooltip:
      'Movers: how far back the range compared against lies, e.g. 1d or 7d (a week earlier, for weekly patterns). Empty: the range just before, of the same length.',
    offsetPlaceholder: 'previous range',
    orderBy: 'Order by',
    orderByTooltip: 'Largest calls: what the calls are ordered by, largest first.',
    filters: 'Filters',
    filterPlaceholder: 'all',
    filterTooltip: 'Keep only these values. Template variables ($model, multi-value and All) are allowed; All keeps every value.',
    variableGroup: 'Dashboard variables',
  },
  variable: {
    dimension: 'Values of',
    dimensionTooltip: 'The variable lists the values of this dimension seen in the dashboard time range.',
  },
  health: {
    ok: (version: string, engine: string, events: number, auth: boolean) =>
      `Connected to Tokenscope ${version} (${engine} engine, ${events.toLocaleString('en-US')} events stored${auth ? '' : ', backend auth off'}).`,
    noUrl: 'Set the URL of the Tokenscope backend first, e.g. http://tokenscope:8080.',
  },
  errors: {
    prefix: 'Tokenscope',
    auth: (status: number, detail?: string) =>
      `The Tokenscope backend rejected the API token (${status === 400 ? "401 behind Grafana's proxy" : status}): enter a read token from TOKENSCOPE_READ_TOKENS in the data source settings.${detail ? ` ${detail}` : ''}`,
    unreachable: (status: number, statusText?: string) =>
      `Cannot reach the Tokenscope backend (${status ? `${status}${statusText ? ` ${statusText}` : ''}` : 'no response'}): check the URL in the data source settings and that the backend runs and is reachable from the Grafana server.`,
    notTokenscope: 'The URL answers, but not as a Tokenscope backend (GET /api/v1/health did not return service "tokenscope"): check the URL.',
    query: (refId: string, detail: string) => `Query ${refId}: ${detail}`,
    multiValue: (field: string, expression: string) => `${field}: ${expression} has several values; it needs exactly one here`,
    adhocKey: (key: string, valid: string) => `ad-hoc filter: unknown key '${key}'; valid keys: ${valid}`,
    adhocOperator: (operator: string) => `ad-hoc filter: operator '${operator}' is not supported; use '=' or '=|' (one of)`,
  },
} as const;

/** Titles of the data links on the plugin's frames. */
export const LINK_LABELS = {
  openTrace: (tracing: string) => `Open trace in ${tracing}`,
  callTrend: 'Usage Trend for this key and model',
  bucketCalls: 'Largest calls in this bucket',
} as const;

/** Names in data frames: column headings and series names that panels, legends and CSV downloads show. */
export const FRAME_LABELS = {
  time: 'Time',
  share: 'Share',
  other: OTHER_LABEL,
  bucketEnd: 'Bucket end',
  movers: { current: 'Now', previous: 'Before', change: 'Change', changeRatio: 'Change %', status: 'Status' },
  calls: {
    apiKeyId: 'API key id',
    durationMs: 'Duration',
    id: 'Event id',
    traceId: 'Trace id',
    spanId: 'Span id',
  },
  /** Shown above a calls table whose range starts before the earliest raw event kept. */
  beforeRawEvents: (earliest: string) => `The range starts before the earliest raw event kept (${earliest}); older calls cannot be listed.`,
  /** A trend series split by a dimension and showing several metrics: "glm-5 · Input Tokens". */
  seriesWithMetric: (value: string, metricName: string) => `${value} · ${metricName}`,
  /** Retention kept only rollups before `exactFrom`: edges there were moved to whole slots. */
  coarserBefore: (exactFrom: string, slotMs: number) =>
    `Before ${exactFrom} only rollups are kept: range edges there were moved to the start of their ${slotMs >= 86_400_000 ? `${slotMs / 86_400_000}-day` : slotMs >= 3_600_000 ? `${slotMs / 3_600_000}-hour` : `${slotMs / 60_000}-minute`} slot.`,
  keptFrom: (keptFrom: string) => `No data is kept before ${keptFrom}.`,
} as const;
