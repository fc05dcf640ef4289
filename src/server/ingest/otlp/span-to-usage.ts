/**
 * Turns one OTLP span into the usage event that POST /api/v1/usage takes (snake_case), when the span describes
 * a model call with usage; the one validation path then checks it. Attribute names come from the data table in
 * usage-attributes.ts; the cache rule makes input include cache reads and writes whatever the instrumentation did.
 */
import { anyValue, durationMs, idToHex, nanosToMs } from './otlp-values';
import {
  MODEL_ATTRIBUTES,
  MODEL_TYPE_BY_OPERATION,
  OPERATION_ATTRIBUTES,
  PROVIDER_ATTRIBUTES,
  PROVIDERS_INPUT_WITHOUT_CACHE,
  SCOPES_INPUT_WITH_CACHE,
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
}

type Value = string | number | boolean | null;
/** A span's or resource's wanted attributes, each in its slot of the AttributeReader; undefined when absent. */
export type Attributes = Value[];

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

/**
 * The attributes a translator reads, each given a slot: one pass over a span's attribute list fills an array,
 * and every lookup after it is an array read (a span is read against some 40 names).
 */
export interface AttributeReader {
  slots: ReadonlyMap<string, number>;
  usage: readonly (readonly [UsageField, readonly (UsageAttribute & { slot: number })[]])[];
  model: readonly number[];
  provider: readonly number[];
  operation: readonly number[];
  service: readonly number[];
  apiKey: readonly number[];
}

export function wantedAttributes(mapping: OtlpMapping): AttributeReader {
  const slots = new Map<string, number>();
  const slot = (name: string) => {
    if (!slots.has(name)) slots.set(name, slots.size);
    return slots.get(name)!;
  };
  const fields = ['input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'] as const;
  return {
    usage: fields.map((field) => [field, USAGE_ATTRIBUTES.filter((a) => a.field === field).map((a) => ({ ...a, slot: slot(a.name) }))] as const),
    model: MODEL_ATTRIBUTES.map((a) => slot(a.name)),
    provider: PROVIDER_ATTRIBUTES.map((a) => slot(a.name)),
    operation: OPERATION_ATTRIBUTES.map((a) => slot(a.name)),
    service: mapping.serviceAttributes.map(slot),
    apiKey: mapping.apiKeyAttributes.map(slot),
    slots,
  };
}

/** The wanted attributes of an OTLP key-value list, into `into` (cleared first); the first of a repeated key wins. */
export function readAttributes(list: unknown, reader: AttributeReader, into: Attributes = []): Attributes {
  into.length = 0;
  into.length = reader.slots.size;
  if (!Array.isArray(list)) return into;
  for (const kv of list as { key?: unknown; value?: unknown }[]) {
    const slot = kv && typeof kv.key === 'string' ? reader.slots.get(kv.key) : undefined;
    if (slot !== undefined && into[slot] === undefined) into[slot] = anyValue(kv.value);
  }
  return into;
}

function first(slots: readonly number[], ...lists: Attributes[]): Value | undefined {
  for (const list of lists) {
    for (const slot of slots) {
      const value = list[slot];
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

const scopeKeepsCacheInInput = (scope: string) => SCOPES_INPUT_WITH_CACHE.some((prefix) => scope.startsWith(prefix));

function modelType(operation: unknown): string {
  return (typeof operation === 'string' && MODEL_TYPE_BY_OPERATION[operation.toLowerCase()]) || 'text_generation';
}

/** One span's attributes at a time: reused, since nothing keeps it past the call (100k spans, 100k fewer arrays). */
const scratch: Attributes = [];

/** A count that was sent as a string of digits is read as the number; anything else goes to validation as is. */
const count = (v: unknown) => (typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v);

/**
 * The usage span, null when the span carries no usage (HTTP, tools, retrieval: ignored, not rejected), or the
 * reason its ids are unusable.
 */
export function spanToUsage(
  span: Record<string, any>,
  resource: Attributes,
  reader: AttributeReader,
  /** The instrumentation scope's name, for the cache rule. */
  scope = '',
): UsageSpan | null | { error: string } {
  const attrs = readAttributes(span.attributes, reader, scratch);
  const usage: Partial<Record<UsageField, unknown>> = {};
  const sources: Partial<Record<UsageField, string>> = {};
  let inputRow: UsageAttribute | undefined;
  for (const [field, rows] of reader.usage) {
    for (const row of rows) {
      const value = attrs[row.slot];
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
  if (spanId === null || spanId.length !== 16 || /^0+$/.test(spanId))
    return { error: `span in trace ${traceId}: spanId must be 8 bytes (16 hex characters), not all zero` };

  const read = usage.cacheRead ?? 0;
  const write = usage.cacheWrite ?? 0;
  let input = usage.input ?? 0;
  // Cache rule: input must include cache reads and writes. Conventions that define it so are taken as sent;
  // provider-reported inputs that leave cache out (Anthropic, Bedrock) get them added, unless the instrumentation
  // is one known to follow the convention; and any input smaller than its own cache parts cannot have included
  // them, whoever sent it.
  if (typeof input === 'number' && typeof read === 'number' && typeof write === 'number') {
    const omitsCache =
      inputRow?.cacheInInput === 'by_provider' && !scopeKeepsCacheInInput(scope) && providerOmitsCache(first(reader.provider, attrs, resource));
    if (omitsCache || read + write > input) input += read + write;
  }

  const event: Record<string, unknown> = {
    id: traceId + spanId,
    trace_id: traceId,
    span_id: spanId,
    timestamp: nanosToMs(span.startTimeUnixNano),
    service: first(reader.service, attrs, resource),
    model: first(reader.model, attrs),
    model_type: modelType(first(reader.operation, attrs)),
    api_key: first(reader.apiKey, attrs, resource) ?? null,
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
  return { serviceAttributes: service, apiKeyAttributes: apiKey };
}
