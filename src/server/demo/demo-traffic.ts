/**
 * Deterministic demo traffic. Time is cut into one-minute slots; each slot's events come from a random
 * generator seeded by (seed, slot) alone, so any range yields the same events with the same ids, in time
 * order, however it is split. Seeding a period twice therefore stores it once (ingest idempotency).
 */
import type { UsageEvent } from '../ingest/event-schema';
import { DEMO_MODELS, DEMO_SERVICES, rhythmAt, type DemoModel, type DemoService } from './demo-catalogue';

/** One usage event as a client sends it to `POST /api/v1/usage`. */
export type DemoEvent = UsageEvent & {
  id: string;
  /** Epoch milliseconds. */
  timestamp: number;
  model_type: string;
  api_key: string;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  duration_ms: number;
};

export interface DemoTrafficOptions {
  /** Range start, inclusive, epoch ms. */
  from: number;
  /** Range end, exclusive, epoch ms. */
  to: number;
  /** Average events per minute over a week (the daily cycle swings around it); default 10. */
  eventsPerMinute?: number;
  /** Different seeds give different traffic of the same shape; default 1. */
  seed?: number;
}

/** Default average rate: 30 days come to about 430,000 events. */
export const DEFAULT_EVENTS_PER_MINUTE = 10;
const SLOT_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Events in [from, to), in time order (ties keep a fixed order). */
export function* demoEvents(options: DemoTrafficOptions): Generator<DemoEvent> {
  const { from, to } = options;
  const rate = options.eventsPerMinute ?? DEFAULT_EVENTS_PER_MINUTE;
  const seed = options.seed ?? 1;
  if (!(rate >= 0) || !Number.isFinite(rate)) throw new Error(`eventsPerMinute must be a number >= 0, got ${rate}`);
  for (let slot = Math.floor(from / SLOT_MS); slot * SLOT_MS < to; slot++) {
    for (const event of slotEvents(slot, rate, seed)) {
      if (event.timestamp >= from && event.timestamp < to) yield event;
    }
  }
}

/** The same events in arrays of up to `size` (the last may be shorter). */
export function* demoEventBatches(options: DemoTrafficOptions, size: number): Generator<DemoEvent[]> {
  let batch: DemoEvent[] = [];
  for (const event of demoEvents(options)) {
    batch.push(event);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

const MODELS = new Map<string, DemoModel>(DEMO_MODELS.map((m) => [m.id, m]));
/** Each service's average rhythm over the 168 hours of a week, so its weekly average rate is its share. */
const WEEKLY_MEAN = DEMO_SERVICES.map((s) => Array.from({ length: 168 }, (_, h) => rhythmAt(s, h)).reduce((a, b) => a + b, 0) / 168);

/** Every event of one minute slot, sorted by time. */
function slotEvents(slot: number, rate: number, seed: number): DemoEvent[] {
  const start = slot * SLOT_MS;
  const hour = Math.floor(start / HOUR_MS);
  const minute = slot - hour * 60;
  // 1970-01-01 was a Thursday: shift so that hour 0 of the week is Monday 00:00 UTC.
  const hourOfWeek = (hour + 72) % 168;
  const random = generator(mix(mix(seed, slot), 0x51ed));
  const events: DemoEvent[] = [];
  DEMO_SERVICES.forEach((service, s) => {
    const expected = (rate * service.share * rhythmAt(service, hourOfWeek) * burstFactor(seed, s, hour, minute, service)) / WEEKLY_MEAN[s];
    const count = poisson(random, expected);
    for (let i = 0; i < count; i++) events.push(makeEvent(random, service, start, `demo-${seed}-${slot.toString(36)}-${events.length}`));
  });
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

/** Bursts: a few hours in a hundred hold one, some minutes long, at several times the usual rate. */
function burstFactor(seed: number, serviceIndex: number, hour: number, minute: number, service: DemoService): number {
  const random = generator(mix(mix(mix(seed, hour), serviceIndex), 0xb0257));
  if (random() >= service.burstChance) return 1;
  const begin = Math.floor(random() * 45);
  const length = 4 + Math.floor(random() * 14);
  const height = 3 + random() * 6;
  return minute >= begin && minute < begin + length ? height : 1;
}

function makeEvent(random: () => number, service: DemoService, slotStart: number, id: string): DemoEvent {
  const model = MODELS.get(pick(random, service.models))!;
  const apiKey = pick(random, service.keys);
  const input = Math.max(1, Math.round(logNormal(random, model.input[0] * service.inputScale, model.input[1])));
  const output = model.output[0] === 0 ? 0 : Math.max(1, Math.round(logNormal(random, model.output[0], model.output[1])));
  // Cached tokens are part of the input: reads and writes together never exceed it.
  const cacheRead = random() < model.cacheHitRate ? Math.floor(input * (0.3 + 0.6 * random())) : 0;
  const cacheWrite = random() < model.cacheWriteRate ? Math.floor((input - cacheRead) * (0.2 + 0.6 * random())) : 0;
  const reasoning = Math.min(output, Math.round(output * model.reasoningShare * 2 * random()));
  const duration = model.firstTokenMs * (0.5 + random()) + (output / model.tokensPerSecond) * 1000 * (0.8 + 0.4 * random());
  return {
    id,
    timestamp: slotStart + Math.floor(random() * SLOT_MS),
    service: service.id,
    model: model.id,
    model_type: model.type,
    api_key: apiKey,
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    reasoning_tokens: reasoning,
    duration_ms: Math.round(duration),
  };
}

function pick<T>(random: () => number, weighted: readonly (readonly [T, number])[]): T {
  let u = random() * weighted.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, weight] of weighted) {
    u -= weight;
    if (u < 0) return value;
  }
  return weighted[weighted.length - 1][0];
}

function logNormal(random: () => number, median: number, sigma: number): number {
  return median * Math.exp(sigma * gaussian(random));
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A Poisson count: exact below 30 expected events, the normal approximation above. */
function poisson(random: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean >= 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)));
  const limit = Math.exp(-mean);
  let count = 0;
  for (let p = random(); p > limit; p *= random()) count++;
  return count;
}

/** Mixes two integers into a 32-bit hash (murmur3's finaliser over a combined value). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ (b | 0) ^ Math.floor(b / 4294967296);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: a small, fast generator of numbers in [0, 1). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
