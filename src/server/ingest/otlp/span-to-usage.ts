/**
 * Turns one OTLP span into the usage event that POST /api/v1/usage takes (snake_case), when the span describes
 * a model call with usage; the one validation path then checks it. Attribute names come from the data table in
 * usage-attributes.ts; the cache rule makes input include cache reads and writes whatever the instrumentation did.
 */
import { durationMs, idToHex, nanosToMs, pickAttributes } from './otlp-values';
import {
  MODEL_ATTRIBUTES,
  MODEL_TYPE_BY_OPERATION,
  OPERATION_ATTRIBUTES,
  PROVIDER_ATTRIBUTES,
  PROVIDERS_INPUT_WITHOUT_CACHE,
  TOKENSCOPE_API_KEY_ATTRIBUTE,
  USAGE_ATTRIBUTES,
  type UsageAttribute,
  type UsageField,
} from './usage-attributes';

/** Which attributes (span first, then resource) name the service and the API key. */
export interface OtlpMapping {
  /** Default `service.name`. */
  serviceAttributes: readonly string[];
  /** Default `tokenscope.api_key`, always first. */
  apiKeyAttributes: readonly string[];
  /** The same lists as rows, for lookups. */
  serviceRows: readonly { name: string }[];
  apiKeyRows: readonly { name: string }[];
}

type Attributes = Map<string, string | number | boolean | null>;

/** A span that carries usage: where it sits in its trace and the event it gives. */
export interface UsageSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  /** The event as POST /api/v1/usage takes it. */
  event: Record<string, unknown>;
  /** Which attribute gave each usage field, to name it in an error. */
  sources: Partial<Record<UsageField, string>>;
}

/** The attributes a translator reads, for one pass over a span's attribute list. */
export function wantedAttributes(mapping: OtlpMapping): Set<string> {
  return new Set([
    ...USAGE_ATTRIBUTES.map((a) => a.name),
    ...MODEL_ATTRIBUTES.map((a) => a.name),
    ...PROVIDER_ATTRIBUTES.map((a) => a.name),
    ...OPERATION_ATTRIBUTES.map((a) => a.name),
    ...mapping.serviceAttributes,
    ...mapping.apiKeyAttributes,
  ]);
}

const USAGE_ROWS = (['input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'] as const).map((field) => [field, USAGE_ATTRIBUTES.filter((a) => a.field === field)] as const);

function first(rows: readonly { name: string }[], ...lists: Attributes[]): string | number | boolean | null | undefined {
  for (const list of lists) {
    for (const row of rows) {
      const value = list.get(row.name);
      if (value !== undefined && value !== null && value !== '') return value;
    }
  }
  return undefined;
}


function providerOmitsCache(provider: unknown): boolean {
  if (typeof provider !== 'string') return false;
  const p = provider.toLowerCase();
  return PROVIDERS_INPUT_WITHOUT_CACHE.some((entry) => p === entry || p.startsWith(`${entry}.`));
}

function modelType(operation: unknown): string {
  return (typeof operation === 'string' && MODEL_TYPE_BY_OPERATION[operation.toLowerCase()]) || 'text_generation';
}

/** One span's attributes at a time: reused, since nothing keeps it past the call (100k spans, 100k fewer maps). */
const scratch: Attributes = new Map();

/** A count that was sent as a string of digits is read as the number; anything else goes to validation as is. */
const count = (v: unknown) => (typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v);

/**
 * The usage span, null when the span carries no usage (HTTP, tools, retrieval: ignored, not rejected), or the
 * reason its ids are unusable.
 */
export function spanToUsage(
  span: Record<string, any>,
  resource: Attributes,
  mapping: OtlpMapping,
  wanted: ReadonlySet<string>,
): UsageSpan | null | { error: string } {
  scratch.clear();
  const attrs = pickAttributes(span.attributes, wanted, scratch);
  const usage: Partial<Record<UsageField, unknown>> = {};
  const sources: Partial<Record<UsageField, string>> = {};
  let inputRow: UsageAttribute | undefined;
  for (const [field, rows] of USAGE_ROWS) {
    for (const row of rows) {
      const value = attrs.get(row.name);
      if (value === undefined || value === null) continue;
      usage[field] = count(value);
      sources[field] = row.name;
      if (field === 'input') inputRow = row;
      break;
    }
  }
  if (usage.input === undefined && usage.output === undefined) return null;

  const traceId = idToHex(span.traceId);
  const spanId = idToHex(span.spanId);
  const parentSpanId = idToHex(span.parentSpanId);
  if (traceId === null || traceId.length !== 32 || /^0+$/.test(traceId)) return { error: 'traceId: must be 16 bytes (32 hex characters), not all zero' };
  if (spanId === null || spanId.length !== 16 || /^0+$/.test(spanId)) return { error: `span in trace ${traceId}: spanId must be 8 bytes (16 hex characters), not all zero` };

  const read = usage.cacheRead ?? 0;
  const write = usage.cacheWrite ?? 0;
  let input = usage.input ?? 0;
  // Cache rule: input must include cache reads and writes. Conventions that define it so are taken as sent;
  // provider-reported inputs that leave cache out (Anthropic, Bedrock) get them added; and any input smaller
  // than its own cache parts cannot have included them, whoever sent it.
  if (typeof input === 'number' && typeof read === 'number' && typeof write === 'number') {
    const omitsCache = inputRow?.cacheInInput === 'by_provider' && providerOmitsCache(first(PROVIDER_ATTRIBUTES, attrs, resource));
    if (omitsCache || read + write > input) input += read + write;
  }

  const event: Record<string, unknown> = {
    id: traceId + spanId,
    trace_id: traceId,
    span_id: spanId,
    timestamp: nanosToMs(span.startTimeUnixNano),
    service: first(mapping.serviceRows, attrs, resource),
    model: first(MODEL_ATTRIBUTES, attrs),
    model_type: modelType(first(OPERATION_ATTRIBUTES, attrs)),
    api_key: first(mapping.apiKeyRows, attrs, resource) ?? null,
    input_tokens: input,
    output_tokens: usage.output ?? 0,
    cache_read_tokens: read,
    cache_write_tokens: write,
    reasoning_tokens: usage.reasoning ?? 0,
  };
  const duration = durationMs(span.startTimeUnixNano, span.endTimeUnixNano);
  if (duration !== null && duration <= 86_400_000) event.duration_ms = duration;
  if (event.api_key !== null && typeof event.api_key !== 'string') event.api_key = String(event.api_key);
  return { traceId, spanId, parentSpanId: parentSpanId ?? '', event, sources };
}

/** The default mapping, `tokenscope.api_key` first among key attributes whatever is configured. */
export function otlpMapping(serviceAttributes: readonly string[], apiKeyAttributes: readonly string[]): OtlpMapping {
  const service = serviceAttributes.length ? serviceAttributes : ['service.name'];
  const apiKey = [TOKENSCOPE_API_KEY_ATTRIBUTE, ...apiKeyAttributes.filter((a) => a !== TOKENSCOPE_API_KEY_ATTRIBUTE)];
  return { serviceAttributes: service, apiKeyAttributes: apiKey, serviceRows: service.map((name) => ({ name })), apiKeyRows: apiKey.map((name) => ({ name })) };
}
