/** Seeds a Store with the last N days of demo traffic, through the same validation as HTTP ingest. */
import { toStoredEvent } from '../ingest/event-schema';
import type { Store, StoredEvent } from '../storage/engine';
import { demoEventBatches, type DemoEvent } from './demo-traffic';

export interface SeedDemoOptions {
  /** Days before `now` to fill; default 30. */
  days?: number;
  /** End of the seeded range (exclusive), epoch ms; default the current time. */
  now?: number;
  /** Average events per minute; default DEFAULT_EVENTS_PER_MINUTE. */
  eventsPerMinute?: number;
  seed?: number;
  /** Events per store.ingest call; default 20,000 (small enough that progress moves in steps under 5% for a 30-day seed). */
  batchSize?: number;
  /** Called after each stored batch with the fraction of the time range done (0 to 1) and events so far. */
  onProgress?: (fraction: number, events: number) => void;
}

export interface SeedDemoResult {
  from: number;
  to: number;
  /** Events generated (accepted + duplicates). */
  events: number;
  accepted: number;
  duplicates: number;
  ms: number;
}

export const DAY_MS = 86_400_000;

export async function seedDemo(store: Store, options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const started = performance.now();
  const to = options.now ?? Date.now();
  const days = options.days ?? 30;
  if (!(days >= 0) || !Number.isFinite(days)) throw new Error(`days must be a number >= 0, got ${days}`);
  const from = to - days * DAY_MS;
  const result: SeedDemoResult = { from, to, events: 0, accepted: 0, duplicates: 0, ms: 0 };
  // One batch is written while the next is generated; the store's writer takes them in order.
  let pending: Promise<void> = Promise.resolve();
  for (const batch of demoEventBatches({ from, to, eventsPerMinute: options.eventsPerMinute, seed: options.seed }, options.batchSize ?? 20_000)) {
    const events = batch.map(validated);
    const lastTs = batch[batch.length - 1].timestamp;
    await pending;
    pending = store.ingest(events).then((stored) => {
      result.events += events.length;
      result.accepted += stored.accepted;
      result.duplicates += stored.duplicates;
      options.onProgress?.((lastTs - from) / Math.max(1, to - from), result.events);
    });
  }
  await pending;
  options.onProgress?.(1, result.events);
  result.ms = performance.now() - started;
  return result;
}

function validated(event: DemoEvent): StoredEvent {
  const result = toStoredEvent(event);
  // The generator only makes valid events; failing loudly here means it changed, not the input.
  if ('error' in result) throw new Error(`demo generator made an invalid event ${event.id}: ${result.error}`);
  return result.event;
}
