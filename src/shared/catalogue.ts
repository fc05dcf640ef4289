/** The metric, dimension, granularity and model-type catalogue: the one list every part of Tokenscope reads. */

/**
 * The sums a store keeps for every (time slot, service, model, model type, api key). Every metric is
 * derived from these; a store never computes a metric itself.
 */
export const BASE_SUMS = [
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  /** Output tokens spent on reasoning (part of output_tokens). */
  'reasoning_tokens',
  'requests',
  /** Sum of `duration_ms` over the events that carried one. */
  'duration_ms',
  /** Number of events that carried a `duration_ms`. */
  'timed_requests',
  /** Cost of uncached input tokens, in micro-units (10^-6) of the reporting currency; so are the next four. */
  'input_cost_micros',
  'cache_read_cost_micros',
  'cache_write_cost_micros',
  /** Cost of output tokens, reasoning included. */
  'output_cost_micros',
  /** Costs the sources reported themselves, kept whole (not split into the parts above). */
  'given_cost_micros',
  /** The whole cost: the four parts plus the costs the sources reported (one sum, so cost reads one column). */
  'cost_micros',
  /** Input + output tokens of calls with neither a price nor a cost from their source. */
  'unpriced_tokens',
] as const;
export type BaseSum = (typeof BASE_SUMS)[number];
/** One row of base sums; every value a non-negative integer. */
export type BaseSums = Record<BaseSum, number>;

/**
 * How a metric is computed from base sums over a span of time (a bucket, or the whole range):
 * - `sum`: the sum of the listed base sums;
 * - `perMinute`: that sum divided by the span's minutes (only the minutes inside the query range count);
 * - `concurrency`: summed request duration divided by the span, i.e. average requests in flight
 *   (Little's law); null when no event in the span carried a duration;
 * - `money`: the sum of the listed micro-unit base sums, in units of the reporting currency (summed exactly
 *   as integers, divided by 10^6 only at the end).
 */
export type MetricFormula =
  { kind: 'sum'; of: readonly BaseSum[] } | { kind: 'money'; of: readonly BaseSum[] } | { kind: 'perMinute'; of: readonly BaseSum[] } | { kind: 'concurrency' };

export interface MetricDefinition {
  /** The id used in the API, in saved queries and in CSV headers. */
  id: string;
  /** What a person reads: panel titles, legends, editor options. */
  name: string;
  /** The unit in words. */
  unit: 'tokens' | 'tokens/min' | 'requests' | 'requests in flight' | 'currency';
  /** Grafana's unit id for a field of this metric (for `currency` metrics: in USD; see `currencyUnit`). */
  grafanaUnit: string;
  /** Decimals where people read the value (CLI, CSV); JSON answers keep full precision. */
  decimals: number;
  /** One-line definition shown beside the metric wherever it is chosen. */
  description: string;
  formula: MetricFormula;
}

const TOKENS_PER_MINUTE_UNIT = 'suffix: tokens/min';

/** Every metric, in the order editors list them. Ids are the API contract. */
export const METRICS = [
  {
    id: 'total_tokens',
    name: 'Total Tokens',
    unit: 'tokens',
    grafanaUnit: 'short',
    decimals: 0,
    description: 'Input tokens plus output tokens.',
    formula: { kind: 'sum', of: ['input_tokens', 'output_tokens'] },
  },
  {
    id: 'input_tokens',
    name: 'Input Tokens',
    unit: 'tokens',
    grafanaUnit: 'short',
    decimals: 0,
    description: 'Prompt tokens sent to the model, cached tokens included.',
    formula: { kind: 'sum', of: ['input_tokens'] },
  },
  {
    id: 'output_tokens',
    name: 'Output Tokens',
    unit: 'tokens',
    grafanaUnit: 'short',
    decimals: 0,
    description: 'Tokens the model generated.',
    formula: { kind: 'sum', of: ['output_tokens'] },
  },
  {
    id: 'cache_read_tokens',
    name: 'Cache Read Tokens',
    unit: 'tokens',
    grafanaUnit: 'short',
    decimals: 0,
    description: 'Input tokens served from the prompt cache (part of input tokens).',
    formula: { kind: 'sum', of: ['cache_read_tokens'] },
  },
  {
    id: 'cache_write_tokens',
    name: 'Cache Write Tokens',
    unit: 'tokens',
    grafanaUnit: 'short',
    decimals: 0,
    description: 'Input tokens written to the prompt cache (part of input tokens; only some models report it).',
    formula: { kind: 'sum', of: ['cache_write_tokens'] },
  },
  {
    id: 'reasoning_tokens',
    name: 'Reasoning Tokens',
    unit: 'tokens',
    grafanaUnit: 'short',
    decimals: 0,
    description: 'Output tokens the model spent on reasoning (part of output tokens; 0 where the provider reports none).',
    formula: { kind: 'sum', of: ['reasoning_tokens'] },
  },
  {
    id: 'requests',
    name: 'Requests',
    unit: 'requests',
    grafanaUnit: 'short',
    decimals: 0,
    description: 'Number of model calls.',
    formula: { kind: 'sum', of: ['requests'] },
  },
  {
    id: 'total_tokens_per_minute',
    name: 'Total Tokens per Minute',
    unit: 'tokens/min',
    grafanaUnit: TOKENS_PER_MINUTE_UNIT,
    decimals: 1,
    description: "Total tokens in the interval divided by the interval's minutes inside the selected range.",
    formula: { kind: 'perMinute', of: ['input_tokens', 'output_tokens'] },
  },
  {
    id: 'input_tokens_per_minute',
    name: 'Input Tokens per Minute',
    unit: 'tokens/min',
    grafanaUnit: TOKENS_PER_MINUTE_UNIT,
    decimals: 1,
    description: "Input tokens in the interval divided by the interval's minutes inside the selected range.",
    formula: { kind: 'perMinute', of: ['input_tokens'] },
  },
  {
    id: 'output_tokens_per_minute',
    name: 'Output Tokens per Minute',
    unit: 'tokens/min',
    grafanaUnit: TOKENS_PER_MINUTE_UNIT,
    decimals: 1,
    description: "Output tokens in the interval divided by the interval's minutes inside the selected range.",
    formula: { kind: 'perMinute', of: ['output_tokens'] },
  },
  {
    id: 'concurrency',
    name: 'Concurrency',
    unit: 'requests in flight',
    grafanaUnit: 'short',
    decimals: 2,
    description:
      'Average requests in flight over the interval: summed request duration divided by the interval length (empty where no call reported a duration).',
    formula: { kind: 'concurrency' },
  },
  {
    id: 'cost',
    name: 'Cost',
    unit: 'currency',
    grafanaUnit: 'currencyUSD',
    decimals: 4,
    description: 'What the calls cost in the reporting currency: input, cache read, cache write and output cost, plus costs reported by the source.',
    formula: { kind: 'money', of: ['cost_micros'] },
  },
  {
    id: 'input_cost',
    name: 'Input Cost',
    unit: 'currency',
    grafanaUnit: 'currencyUSD',
    decimals: 4,
    description: 'Cost of uncached input tokens, from the price table.',
    formula: { kind: 'money', of: ['input_cost_micros'] },
  },
  {
    id: 'cache_read_cost',
    name: 'Cache Read Cost',
    unit: 'currency',
    grafanaUnit: 'currencyUSD',
    decimals: 4,
    description: 'Cost of input tokens read from the prompt cache, from the price table.',
    formula: { kind: 'money', of: ['cache_read_cost_micros'] },
  },
  {
    id: 'cache_write_cost',
    name: 'Cache Write Cost',
    unit: 'currency',
    grafanaUnit: 'currencyUSD',
    decimals: 4,
    description: 'Cost of input tokens written to the prompt cache, from the price table.',
    formula: { kind: 'money', of: ['cache_write_cost_micros'] },
  },
  {
    id: 'output_cost',
    name: 'Output Cost',
    unit: 'currency',
    grafanaUnit: 'currencyUSD',
    decimals: 4,
    description: 'Cost of output tokens (reasoning included), from the price table.',
    formula: { kind: 'money', of: ['output_cost_micros'] },
  },
  {
    id: 'source_cost',
    name: 'Source-reported Cost',
    unit: 'currency',
    grafanaUnit: 'currencyUSD',
    decimals: 4,
    description: "Costs the calls' sources reported themselves (an event's cost field); not split into input and output.",
    formula: { kind: 'money', of: ['given_cost_micros'] },
  },
  {
    id: 'unpriced_tokens',
    name: 'Unpriced Tokens',
    unit: 'tokens',
    grafanaUnit: 'short',
    decimals: 0,
    description: 'Tokens of calls with no price in the price table and no cost from their source: cost leaves them out.',
    formula: { kind: 'sum', of: ['unpriced_tokens'] },
  },
] as const satisfies readonly MetricDefinition[];

/** Grafana's own currency units; any other currency is shown with its code as a prefix. */
const GRAFANA_CURRENCY_UNITS = new Set([
  'USD',
  'GBP',
  'EUR',
  'JPY',
  'RUB',
  'UAH',
  'BRL',
  'DKK',
  'ISK',
  'NOK',
  'SEK',
  'CZK',
  'CHF',
  'PLN',
  'ZAR',
  'INR',
  'KRW',
  'IDR',
  'PHP',
  'VND',
  'TRY',
  'MYR',
  'BGN',
  'ILS',
]);

/** Grafana's unit id for amounts in an ISO 4217 currency, e.g. `currencyUSD`, or `prefix:CNY ` where Grafana has none. */
export function currencyUnit(currency: string): string {
  return GRAFANA_CURRENCY_UNITS.has(currency) ? `currency${currency}` : `prefix:${currency} `;
}

export type MetricId = (typeof METRICS)[number]['id'];
export const METRIC_IDS = METRICS.map((m) => m.id) as readonly MetricId[];

export interface DimensionDefinition {
  /** The id used in the API and in filters; also the usage event's field name. */
  id: string;
  /** Editor option, e.g. "By Model". */
  byName: string;
  /** Column or label heading, e.g. "Model". */
  name: string;
  description: string;
}

/** What the values past a Top N are called wherever they are summed into one (series, CSV rows, metric labels). */
export const OTHER_LABEL = 'other';

/** The dimensions a query can rank, split or filter by. */
export const DIMENSIONS = [
  { id: 'service', byName: 'By Service', name: 'Service', description: 'The online inference service (endpoint) that served the call.' },
  { id: 'model', byName: 'By Model', name: 'Model', description: 'The model id.' },
  { id: 'api_key', byName: 'By Key', name: 'API Key', description: 'The API key id or name; secret-looking keys are shown masked.' },
  { id: 'model_type', byName: 'By Model type', name: 'Model Type', description: 'The model category, e.g. text generation or embedding.' },
] as const satisfies readonly DimensionDefinition[];

export type DimensionId = (typeof DIMENSIONS)[number]['id'];
export const DIMENSION_IDS = DIMENSIONS.map((d) => d.id) as readonly DimensionId[];

export interface GranularityDefinition {
  id: string;
  name: string;
  /** Nominal bucket length; a `1d` bucket follows the time zone's calendar and may be 23 or 25 hours. */
  ms: number;
}

/** Fixed bucket sizes, finest first. `auto` (not listed) picks one of these. */
export const GRANULARITIES = [
  { id: '1m', name: '1 minute', ms: 60_000 },
  { id: '5m', name: '5 minutes', ms: 300_000 },
  { id: '1h', name: '1 hour', ms: 3_600_000 },
  { id: '1d', name: '1 day', ms: 86_400_000 },
] as const satisfies readonly GranularityDefinition[];

export type FixedGranularity = (typeof GRANULARITIES)[number]['id'];
export type Granularity = FixedGranularity | 'auto';
export const GRANULARITY_IDS = ['auto', ...GRANULARITIES.map((g) => g.id)] as readonly Granularity[];

/** Model types the editors offer by name; any other lowercase id is accepted too. */
export const MODEL_TYPES = [
  { id: 'text_generation', name: 'Text generation' },
  { id: 'vision', name: 'Vision' },
  { id: 'multimodal_understanding', name: 'Multimodal understanding' },
  { id: 'embedding', name: 'Embedding' },
  { id: 'image_generation', name: 'Image generation' },
  { id: 'audio', name: 'Audio' },
] as const;

/** The query types. */
export const QUERY_TYPES = [
  { id: 'totals', name: 'Totals', description: 'Sums over the whole time range.' },
  { id: 'ranking', name: 'Ranking', description: 'Top N values of a dimension, with the rest as "other".' },
  { id: 'trend', name: 'Trend', description: 'Buckets over time, one series per metric or per top-N value.' },
  {
    id: 'movers',
    name: 'Top movers',
    description: 'Values of a dimension whose metric changed most against an earlier range of the same length, new and vanished ones flagged.',
  },
  { id: 'calls', name: 'Largest calls', description: 'The N largest individual calls in the range, with their event, trace and span ids.' },
] as const;
export type QueryType = (typeof QUERY_TYPES)[number]['id'];
export const QUERY_TYPE_IDS = QUERY_TYPES.map((q) => q.id) as readonly QueryType[];

const metricsById = new Map<string, MetricDefinition>(METRICS.map((m) => [m.id, m]));
const dimensionsById = new Map<string, DimensionDefinition>(DIMENSIONS.map((d) => [d.id, d]));
const granularitiesById = new Map<string, GranularityDefinition>(GRANULARITIES.map((g) => [g.id, g]));

/** The definition of a metric id; throws on an id not in the catalogue (validate first). */
export function metricDefinition(id: MetricId): MetricDefinition {
  const m = metricsById.get(id);
  if (!m) throw new Error(`unknown metric ${id}`);
  return m;
}

/** The definition of a dimension id; throws on an id not in the catalogue (validate first). */
export function dimensionDefinition(id: DimensionId): DimensionDefinition {
  const d = dimensionsById.get(id);
  if (!d) throw new Error(`unknown dimension ${id}`);
  return d;
}

/** The definition of a fixed granularity id. */
export function granularityDefinition(id: FixedGranularity): GranularityDefinition {
  const g = granularitiesById.get(id);
  if (!g) throw new Error(`unknown granularity ${id}`);
  return g;
}

/** What a `calls` query can order the calls by: the sum of the listed event fields, largest first. */
export const CALL_ORDERS = [
  { id: 'total_tokens', name: 'Total Tokens', of: ['input_tokens', 'output_tokens'] },
  { id: 'input_tokens', name: 'Input Tokens', of: ['input_tokens'] },
  { id: 'output_tokens', name: 'Output Tokens', of: ['output_tokens'] },
  { id: 'cache_tokens', name: 'Cache Tokens (read + write)', of: ['cache_read_tokens', 'cache_write_tokens'] },
  { id: 'cache_read_tokens', name: 'Cache Read Tokens', of: ['cache_read_tokens'] },
  { id: 'cache_write_tokens', name: 'Cache Write Tokens', of: ['cache_write_tokens'] },
  { id: 'reasoning_tokens', name: 'Reasoning Tokens', of: ['reasoning_tokens'] },
  { id: 'duration_ms', name: 'Duration', of: ['duration_ms'] },
] as const satisfies readonly { id: string; name: string; of: readonly string[] }[];
export type CallOrderId = (typeof CALL_ORDERS)[number]['id'];
/** An event field a call can be ordered by. */
export type CallField = (typeof CALL_ORDERS)[number]['of'][number];
export const CALL_ORDER_IDS = CALL_ORDERS.map((o) => o.id) as readonly CallOrderId[];

/** The fields a call order sums; throws on an id not in the catalogue (validate first). */
export function callOrderFields(id: CallOrderId): readonly CallField[] {
  const order = CALL_ORDERS.find((o) => o.id === id);
  if (!order) throw new Error(`unknown call order ${id}`);
  return order.of;
}
