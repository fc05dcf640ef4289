/**
 * An OTLP ExportMetricsServiceRequest → usage events from the gen_ai.client.token.usage histogram (OpenTelemetry
 * GenAI metrics: one point per stream and interval, attribute gen_ai.token.type input or output). The input and
 * output points of one stream and export time become that interval's calls: `count` events (at most
 * MAX_EVENTS_PER_POINT) sharing the tokens exactly, so requests and token totals both hold. Delta points are
 * taken as they come (a re-sent point has the same event ids); cumulative ones through CumulativeStreams.
 */
import { createHash } from 'node:crypto';
import type { StoredEvent } from '../../storage/engine';
import type { EventCheck } from '../scoped-events';
import { anyValue, nanosToMs, toBigInt, toNumber } from './otlp-values';
import type { OtlpMapping } from './span-to-usage';
import type { CumulativeStreams } from './token-usage-streams';
import { MODEL_ATTRIBUTES, MODEL_TYPE_BY_OPERATION } from './usage-attributes';

/** The metric counted (OpenTelemetry GenAI semantic conventions, gen-ai-metrics). */
export const TOKEN_USAGE_METRIC = 'gen_ai.client.token.usage';
/** Most events one interval of one stream becomes; beyond it, requests are understated (tokens stay exact). */
export const MAX_EVENTS_PER_POINT = 10_000;
const CUMULATIVE = new Set<unknown>([2, 'AGGREGATION_TEMPORALITY_CUMULATIVE']);
const QUOTED_REASONS = 5;

export interface MetricsOutcome {
  events: StoredEvent[];
  rejected: number;
  reasons: string[];
  points: number;
}

type Attrs = Map<string, string | number | boolean | null>;
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

function allAttributes(kvs: unknown): Attrs {
  const out: Attrs = new Map();
  for (const kv of list(kvs)) if (kv && typeof kv.key === 'string') out.set(kv.key, anyValue(kv.value));
  return out;
}
const keyOf = (attrs: Attrs, without?: string) => JSON.stringify([...attrs].filter(([k]) => k !== without).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const firstOf = (names: readonly string[], ...maps: Attrs[]) => {
  for (const m of maps) for (const n of names) if (m.get(n) !== undefined && m.get(n) !== null && m.get(n) !== '') return m.get(n);
  return undefined;
};

interface Interval {
  attrs: Attrs;
  resource: Attrs;
  time: bigint;
  input: { count: number; sum: number } | null;
  output: { count: number; sum: number } | null;
}

/** `check` is the request's event check (`eventValidator(request.principal)`): validation and the token's scope. */
export function metricsToEvents(request: Record<string, any>, mapping: OtlpMapping, streams: CumulativeStreams, check: EventCheck): MetricsOutcome {
  const out: MetricsOutcome = { events: [], rejected: 0, reasons: [], points: 0 };
  const reject = (reason: string) => {
    out.rejected++;
    if (out.reasons.length < QUOTED_REASONS) out.reasons.push(reason);
  };
  const intervals = new Map<string, Interval>();
  for (const rm of list(request.resourceMetrics)) {
    const resource = allAttributes(rm?.resource?.attributes);
    const resourceKey = keyOf(resource);
    for (const sm of list(rm?.scopeMetrics)) {
      for (const metric of list(sm?.metrics)) {
        const points = list(metric?.histogram?.dataPoints);
        out.points += points.length;
        if (metric?.name !== TOKEN_USAGE_METRIC) continue;
        const cumulative = CUMULATIVE.has(metric.histogram?.aggregationTemporality);
        for (const point of points) {
          const attrs = allAttributes(point?.attributes);
          const type = attrs.get('gen_ai.token.type');
          if (type !== 'input' && type !== 'output') continue;
          const [start, time, count, sum] = [
            toBigInt(point.startTimeUnixNano) ?? 0n,
            toBigInt(point.timeUnixNano),
            toNumber(point.count),
            Number(point.sum ?? 0),
          ];
          if (time === null || count === null || !Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(sum) || sum < 0) {
            reject(`${TOKEN_USAGE_METRIC} point (${type}): count and sum must be integers >= 0 and timeUnixNano set`);
            continue;
          }
          const stream = `${resourceKey}|${sm?.scope?.name ?? ''}|${keyOf(attrs)}`;
          const delta = cumulative ? streams.delta(stream, { start, time, count, sum }) : { count, sum };
          // Input and output points of one call share the end time, not always the start (each stream starts at its first record).
          const intervalKey = `${resourceKey}|${sm?.scope?.name ?? ''}|${keyOf(attrs, 'gen_ai.token.type')}|${time}`;
          let interval = intervals.get(intervalKey);
          if (!interval) intervals.set(intervalKey, (interval = { attrs, resource, time, input: null, output: null }));
          interval[type] = delta;
        }
      }
    }
  }
  for (const [key, interval] of intervals) {
    const events = intervalEvents(key, interval, mapping, check);
    if ('error' in events) reject(events.error);
    else out.events.push(...events);
  }
  return out;
}

/** Splits `total` into `n` integer parts that add up exactly. */
const share = (total: number, n: number, k: number) => Math.floor(total / n) + (k < total % n ? 1 : 0);

function intervalEvents(key: string, interval: Interval, mapping: OtlpMapping, check: EventCheck): StoredEvent[] | { error: string } {
  const input = interval.input ?? { count: 0, sum: 0 };
  const output = interval.output ?? { count: 0, sum: 0 };
  const calls = Math.max(input.count, output.count);
  if (calls === 0 && input.sum === 0 && output.sum === 0) return [];
  const n = Math.min(Math.max(calls, 1), MAX_EVENTS_PER_POINT);
  const operation = interval.attrs.get('gen_ai.operation.name');
  const base = {
    timestamp: nanosToMs(interval.time),
    service: firstOf(mapping.serviceAttributes, interval.attrs, interval.resource),
    model: firstOf(
      MODEL_ATTRIBUTES.map((a) => a.name),
      interval.attrs,
    ),
    model_type: (typeof operation === 'string' && MODEL_TYPE_BY_OPERATION[operation]) || 'text_generation',
    api_key: firstOf(mapping.apiKeyAttributes, interval.attrs, interval.resource) ?? null,
  };
  const idBase = createHash('sha256').update(key).digest('hex').slice(0, 32);
  const events: StoredEvent[] = [];
  for (let k = 0; k < n; k++) {
    const result = check({ ...base, id: `otlp-metric:${idBase}:${k}`, input_tokens: share(input.sum, n, k), output_tokens: share(output.sum, n, k) });
    if ('error' in result) return { error: `${TOKEN_USAGE_METRIC} point: ${result.error}` };
    events.push(result.event);
  }
  return events;
}
