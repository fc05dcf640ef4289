/** Deterministic random usage events and an independent oracle: plain sums, no project code (only its event type). */
import type { UsageEvent } from '../../src/server/ingest/event-schema';
import type { StoredEvent } from '../../src/server/storage/engine';

/** A usage event as a client sends it: the event schema's own type. */
export type ClientEvent = UsageEvent;

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SERVICES = ['chat-prod', 'search-assist', 'batch-summarize', 'support-bot'];
export const MODELS = ['deepseek-v4', 'glm-5', 'kimi-k2.5', 'minimax-m2.5', 'qwen3-max', 'gpt-oss-120b'];
export const TYPES = ['text_generation', 'text_generation', 'vision', 'embedding'];
export const SECRET_KEY = 'sk-live-7f3a9c2b1e8d4f6a0b5c7d9e1f2a3b4c';
export const KEYS = ['team-search', 'team-chat', 'team-batch', SECRET_KEY, 'team-ops'];

/** n events in [startMs, startMs + spanMs), skewed so rankings have a clear order. */
export function makeEvents(n: number, startMs: number, spanMs: number, seed = 1, idPrefix = 'ev'): ClientEvent[] {
  const r = rng(seed);
  const pick = <T>(list: T[], skew: number) => list[Math.min(list.length - 1, Math.floor(Math.pow(r(), skew) * list.length))];
  return Array.from({ length: n }, (_, i) => {
    const input = Math.floor(r() * 4000) + 1;
    const cacheRead = r() < 0.4 ? Math.floor(input * r()) : 0;
    const event: ClientEvent = {
      id: `${idPrefix}-${seed}-${i}`,
      timestamp: new Date(startMs + Math.floor(r() * spanMs)).toISOString(),
      service: pick(SERVICES, 1.8),
      model: pick(MODELS, 2.2),
      model_type: pick(TYPES, 1),
      api_key: pick(KEYS, 1.5),
      input_tokens: input,
      output_tokens: Math.floor(r() * 1500),
      cache_read_tokens: cacheRead,
      cache_write_tokens: r() < 0.2 ? Math.floor((input - cacheRead) * r()) : 0,
    };
    if (r() < 0.7) event.duration_ms = Math.floor(200 + r() * 20_000);
    if (r() < 0.3) event.reasoning_tokens = Math.floor(event.output_tokens * r());
    return event;
  });
}

export const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

export type Sums = {
  total_tokens: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  requests: number;
  duration_ms: number;
  timed: number;
};

export function sumOf(events: ClientEvent[]): Sums {
  const s: Sums = {
    total_tokens: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    requests: 0,
    duration_ms: 0,
    timed: 0,
  };
  for (const e of events) {
    s.total_tokens += e.input_tokens + e.output_tokens;
    s.input_tokens += e.input_tokens;
    s.output_tokens += e.output_tokens;
    s.cache_read_tokens += e.cache_read_tokens ?? 0;
    s.cache_write_tokens += e.cache_write_tokens ?? 0;
    s.reasoning_tokens += e.reasoning_tokens ?? 0;
    s.requests += 1;
    if (e.duration_ms !== undefined && e.duration_ms !== null) {
      s.duration_ms += e.duration_ms;
      s.timed += 1;
    }
  }
  return s;
}

export const timeOf = (e: ClientEvent) => (typeof e.timestamp === 'number' ? e.timestamp : Date.parse(e.timestamp));

export function within(events: ClientEvent[], from: number, to: number, filters: Partial<Record<keyof ClientEvent, string[]>> = {}): ClientEvent[] {
  return events.filter((e) => {
    const t = timeOf(e);
    if (t < from || t >= to) return false;
    return Object.entries(filters).every(([k, values]) => !values?.length || values.includes(String(e[k as keyof ClientEvent])));
  });
}

/** Events grouped by a key function, largest total_tokens first. */
export function groupedBy(events: ClientEvent[], key: (e: ClientEvent) => string): { key: string; sums: Sums }[] {
  const groups = new Map<string, ClientEvent[]>();
  for (const e of events) groups.set(key(e), [...(groups.get(key(e)) ?? []), e]);
  return [...groups].map(([k, list]) => ({ key: k, sums: sumOf(list) })).sort((a, b) => b.sums.total_tokens - a.sums.total_tokens);
}

/** Offset of a zone at an instant, from Intl. */
export function offsetMs(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(t));
  const p = Object.fromEntries(parts.map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
}

/** The local calendar date of an instant, e.g. 2026-03-08. */
export function localDate(t: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t));
}

/** A client event as a store holds it, converted here by hand (storage tests feed stores without the ingest code). */
export function asStoredEvent(e: ClientEvent): StoredEvent {
  return {
    ts: timeOf(e),
    service: e.service,
    model: e.model,
    modelType: e.model_type ?? 'text_generation',
    apiKey: e.api_key ?? 'unknown',
    apiKeyLabel: e.api_key ?? 'unknown',
    inputTokens: e.input_tokens,
    outputTokens: e.output_tokens,
    cacheReadTokens: e.cache_read_tokens ?? 0,
    cacheWriteTokens: e.cache_write_tokens ?? 0,
    reasoningTokens: e.reasoning_tokens ?? 0,
    durationMs: e.duration_ms ?? null,
    id: e.id ?? null,
    traceId: e.trace_id ?? null,
    spanId: e.span_id ?? null,
  };
}

/** A stored event of 10 input and 2 output tokens (service svc, model m, key k, no id); `fields` change any of it. */
export function storedEvent(fields: Partial<StoredEvent> & { ts: number }): StoredEvent {
  return {
    service: 'svc',
    model: 'm',
    modelType: 'text_generation',
    apiKey: 'k',
    apiKeyLabel: 'k',
    inputTokens: 10,
    outputTokens: 2,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    durationMs: null,
    id: null,
    traceId: null,
    spanId: null,
    ...fields,
  };
}
