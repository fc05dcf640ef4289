/**
 * The ClickHouse writer of one backend. Batches from concurrent requests queue up and are written together
 * (group commit): duplicates are looked up, the new events inserted, then the rollup slots they touched
 * recomputed. Other backends may write the same slots at the same time; see clickhouse-rollups.ts for why
 * that is safe.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../errors';
import { DEDUPE_WINDOW_MS, unpricedCost, type IngestResult, type StoredEvent } from '../engine';
import type { ClickHouseConnection } from './clickhouse-client';
import { refreshRollups } from './clickhouse-rollups';
import type { ClickHouseLayout } from './clickhouse-schema';
import { quoteInt, quoteString, quoteUInt64 } from './clickhouse-sql';

interface Batch {
  events: readonly StoredEvent[];
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

/** Keys per duplicate lookup. */
const KEYS_PER_LOOKUP = 500_000;

/** The stored key of an id: the first 64 bits of its SHA-256, the same in every backend. */
export function idKey(id: string): string {
  return createHash('sha256').update(id).digest().readBigUInt64BE(0).toString();
}

export interface ClickHouseWriterOptions {
  /** Most events written in one group; a larger single batch is still written whole. Default 200,000. */
  maxGroupEvents?: number;
}

export class ClickHouseWriter {
  private readonly queue: Batch[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly conn: ClickHouseConnection,
    private readonly layout: ClickHouseLayout,
    private readonly logger: Logger,
    private readonly options: ClickHouseWriterOptions = {},
  ) {}

  /** Stores a batch; resolves once its events and rollups are written. */
  write(events: readonly StoredEvent[]): Promise<IngestResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closing'));
    if (events.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0, stored: [] });
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.draining ??= this.drain().finally(() => (this.draining = null));
    });
  }

  /** Waits for queued batches, then refuses more. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
  }

  private async drain(): Promise<void> {
    const max = this.options.maxGroupEvents ?? 200_000;
    while (this.queue.length > 0) {
      const group: Batch[] = [this.queue.shift()!];
      let size = group[0].events.length;
      while (this.queue.length > 0 && size + this.queue[0].events.length <= max) {
        size += this.queue[0].events.length;
        group.push(this.queue.shift()!);
      }
      await this.writeGroup(group);
    }
  }

  private async writeGroup(group: Batch[]): Promise<void> {
    const started = performance.now();
    const events = group.flatMap((b) => b.events);
    try {
      const keys = new Map<string, string>();
      for (const e of events) if (e.id !== null && !keys.has(e.id)) keys.set(e.id, idKey(e.id));
      const stored = await this.storedIds(events, keys);
      const seen = new Set<string>();
      const fresh: boolean[] = [];
      const touched: number[] = [];
      for (const e of events) {
        let isFresh = true;
        if (e.id !== null) {
          // The first copy of an id in the group counts, unless the id is stored within the window.
          const match = stored.get(e.id)?.find((ts) => Math.abs(ts - e.ts) <= DEDUPE_WINDOW_MS);
          isFresh = !seen.has(e.id) && match === undefined;
          seen.add(e.id);
          // A resend refreshes the slot of the stored copy: heals a write whose refresh was cut short.
          if (match !== undefined) touched.push(match);
        }
        fresh.push(isFresh);
        if (isFresh) touched.push(e.ts);
      }
      const freshEvents = events.filter((_, i) => fresh[i]);
      if (freshEvents.length) {
        // Events without an id get a random key: generated in one go, so they are cheap.
        const random = randomBytes(8 * freshEvents.length);
        const rows = freshEvents.map((e, i) => toRow(e, e.id === null ? random.readBigUInt64BE(8 * i).toString() : keys.get(e.id)!));
        await this.conn.insert(this.layout.table('events'), rows, this.layout.writeSettings);
      }
      await refreshRollups(this.conn, this.layout, touched);

      let offset = 0;
      for (const b of group) {
        const mine = fresh.slice(offset, offset + b.events.length);
        offset += b.events.length;
        const storedEvents = b.events.filter((_, i) => mine[i]);
        b.resolve({ accepted: storedEvents.length, duplicates: b.events.length - storedEvents.length, stored: storedEvents });
      }
      this.logger.debug(
        { events: events.length, stored: freshEvents.length, requests: group.length, ms: Math.round(performance.now() - started) },
        'clickhouse write',
      );
    } catch (err) {
      this.logger.error({ err: { message: (err as Error).message }, events: events.length }, 'clickhouse write failed');
      const failure = new StoreUnavailableError(`could not store the events: ${(err as Error).message}`, { cause: err });
      for (const b of group) b.reject(failure);
    }
  }

  /** Times at which each id of the group is already stored, within the dedupe window of the group's events. */
  private async storedIds(events: readonly StoredEvent[], keys: ReadonlyMap<string, string>): Promise<Map<string, number[]>> {
    const found = new Map<string, number[]>();
    if (keys.size === 0) return found;
    let lo = Infinity;
    let hi = -Infinity;
    for (const e of events) {
      if (e.id === null) continue;
      lo = Math.min(lo, e.ts);
      hi = Math.max(hi, e.ts);
    }
    const all = [...new Set(keys.values())];
    for (let i = 0; i < all.length; i += KEYS_PER_LOOKUP) {
      // The keys travel as one string literal that ClickHouse splits: a long list of literals is slow to parse.
      const list = all
        .slice(i, i + KEYS_PER_LOOKUP)
        .map(quoteUInt64)
        .join(',');
      const rows = await this.conn.select<{ id: string; ts: string }>(
        `SELECT id, ts FROM ${this.layout.table('events')}
        WHERE ts >= ${quoteInt(Math.max(0, lo - DEDUPE_WINDOW_MS))} AND ts <= ${quoteInt(hi + DEDUPE_WINDOW_MS)}
          AND event_key IN (SELECT toUInt64(arrayJoin(splitByChar(',', ${quoteString(list)}))))`,
        { max_query_size: 64 * 1024 * 1024 },
      );
      for (const r of rows) {
        const times = found.get(r.id) ?? [];
        times.push(Number(r.ts));
        found.set(r.id, times);
      }
    }
    return found;
  }
}

/** The events row for a stored event. */
export function toRow(e: StoredEvent, eventKey: string) {
  const cost = e.cost ?? unpricedCost(e);
  return {
    ts: e.ts,
    event_key: eventKey,
    id: e.id ?? '',
    service: e.service,
    model: e.model,
    model_type: e.modelType,
    api_key: e.apiKey,
    api_key_label: e.apiKeyLabel,
    input_tokens: e.inputTokens,
    output_tokens: e.outputTokens,
    cache_read_tokens: e.cacheReadTokens,
    cache_write_tokens: e.cacheWriteTokens,
    reasoning_tokens: e.reasoningTokens,
    duration_ms: e.durationMs ?? -1,
    trace_id: e.traceId ?? '',
    span_id: e.spanId ?? '',
    input_cost_micros: cost.inputMicros,
    cache_read_cost_micros: cost.cacheReadMicros,
    cache_write_cost_micros: cost.cacheWriteMicros,
    output_cost_micros: cost.outputMicros,
    given_cost_micros: cost.givenMicros ?? -1,
    unpriced_tokens: cost.unpricedTokens,
  };
}
