/**
 * An OTLP ExportTraceServiceRequest (decoded from protobuf or JSON) → the usage events it holds: each span is
 * translated, checked by the one event check (validation and the caller's scope), and chosen once per model call
 * by the ModelCallIndex.
 */
import type { StoredEvent } from '../../storage/engine';
import type { EventCheck } from '../scoped-events';
import type { ModelCallIndex } from './model-call-index';
import { idToHex } from './otlp-values';
import { readAttributes, spanToUsage, type AttributeReader, type UsageSpan } from './span-to-usage';

/** Most rejection reasons quoted in a partial-success message. */
const QUOTED_REASONS = 5;

export interface TracesOutcome {
  events: StoredEvent[];
  /** Spans that carried usage but could not be used. */
  rejected: number;
  /** The first few reasons, each naming the span and the field. */
  reasons: string[];
  /** Spans in the request. */
  spans: number;
  /** Usage spans not counted because a nested usage span of the same call counts. */
  nested: number;
}

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** `check` is the request's event check (`eventValidator(request.principal)`): validation and the token's scope. */
export function tracesToEvents(request: Record<string, any>, reader: AttributeReader, calls: ModelCallIndex, check: EventCheck): TracesOutcome {
  const out: TracesOutcome = { events: [], rejected: 0, reasons: [], spans: 0, nested: 0 };
  const reject = (reason: string) => {
    out.rejected++;
    if (out.reasons.length < QUOTED_REASONS) out.reasons.push(reason);
  };
  const candidates: (UsageSpan & { stored: StoredEvent })[] = [];
  for (const resourceSpans of list(request.resourceSpans)) {
    const resource = readAttributes(resourceSpans?.resource?.attributes, reader);
    for (const scopeSpans of list(resourceSpans?.scopeSpans)) {
      const scope = typeof scopeSpans?.scope?.name === 'string' ? scopeSpans.scope.name : '';
      for (const span of list(scopeSpans?.spans)) {
        out.spans++;
        if (typeof span !== 'object' || span === null) {
          reject('a span is not an object');
          continue;
        }
        const parentSpanId = idToHex(span.parentSpanId);
        if (parentSpanId) calls.link(idToHex(span.traceId) ?? '', idToHex(span.spanId) ?? '', parentSpanId);
        const usage = spanToUsage(span, resource, reader, scope);
        if (usage === null) continue;
        if ('error' in usage) {
          reject(usage.error);
          continue;
        }
        const result = check(usage.event);
        if ('error' in result) reject(`span ${usage.spanId} in trace ${usage.traceId}: ${explain(result.error, usage)}`);
        else candidates.push(Object.assign(usage, { stored: result.event }));
      }
    }
  }
  const chosen = calls.select(candidates);
  out.nested = candidates.length - chosen.length;
  out.events = chosen.map((c) => c.stored);
  return out;
}

const FIELD_OF: Record<string, keyof UsageSpan['sources']> = {
  input_tokens: 'input',
  output_tokens: 'output',
  cache_read_tokens: 'cacheRead',
  cache_write_tokens: 'cacheWrite',
  reasoning_tokens: 'reasoning',
};

/** What to set when a field that spans must give is missing. */
const MISSING_HINTS: Record<string, string> = {
  'model: is required': 'model: is required (the span has none of gen_ai.response.model, gen_ai.request.model, llm.model_name, ai.response.model, ai.model.id)',
  'service: is required': 'service: is required (set the resource attribute service.name, e.g. OTEL_SERVICE_NAME, or TOKENSCOPE_OTLP_SERVICE_ATTRIBUTES)',
  'timestamp: is required': 'timestamp: is required (the span has no startTimeUnixNano)',
};

/** The validation message with the attribute each token field came from, so a sender knows what to fix. */
function explain(error: string, usage: UsageSpan): string {
  for (const [plain, hint] of Object.entries(MISSING_HINTS)) error = error.replace(plain, hint);
  return error.replace(/\b(input_tokens|output_tokens|cache_read_tokens|cache_write_tokens|reasoning_tokens): /g, (whole, field: string) => {
    const attribute = usage.sources[FIELD_OF[field]];
    return attribute ? `${field} (from ${attribute}): ` : whole;
  });
}
