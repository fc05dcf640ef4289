/**
 * The ClickHouse writer of one backend. Batches from concurrent requests queue up and are written together
 * (group commit): duplicates are looked up, the new events inserted, then the rollup slots they touched
 * recomputed. Other backends may write the same slots at the same time; see clickhouse-rollups.ts for why
 * that is safe.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../errors';
import { DEDUPE_WINDOW_MS, type IngestResult, type StoredEvent } from '../engine';
import type { ClickHouseConnection } from './clickhouse-client';
import { refreshRollups } from './clickhouse-rollups';
import type { ClickHouseLayout } from './clickhouse-schema';
import { quoteInt, quoteList, quoteUInt64 } from './clickhouse-sql';

interface Batch {
  events: readonly StoredEvent[];
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

/** Keys per duplicate lookup, so the statement stays well under the 256 KiB query size limit. */
const KEYS_PER_LOOKUP = 5000;

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
      const stored = await this.storedIds(events);
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
      const rows = events.filter((_, i) => fresh[i]).map(toRow);
      if (rows.length) {
        // Random keys for events without an id: generated once per batch, so they are cheap.
        const random = randomBytes(8 * rows.length);
        rows.forEach((r, i) => {
          if (r.event_key === '') r.event_key = random.readBigUInt64BE(8 * i).toString();
        });
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
      this.logger.debug({ events: events.length, stored: rows.length, requests: group.length, ms: Math.round(performance.now() - started) }, 'clickhouse write');
    } catch (err) {
      this.logger.error({ err: { message: (err as Error).message }, events: events.length }, 'clickhouse write failed');
      const failure = new StoreUnavailableError(`could not store the events: ${(err as Error).message}`, { cause: err });
      for (const b of group) b.reject(failure);
    }
  }

  /** Times at which each id of the group is already stored, within the dedupe window of the group's events. */
  private async storedIds(events: readonly StoredEvent[]): Promise<Map<string, number[]>> {
    const found = new Map<string, number[]>();
    const withId = events.filter((e) => e.id !== null);
    if (withId.length === 0) return found;
    let lo = Infinity;
    let hi = -Infinity;
    for (const e of withId) {
      lo = Math.min(lo, e.ts);
      hi = Math.max(hi, e.ts);
    }
    const keys = [...new Set(withId.map((e) => idKey(e.id!)))];
    for (let i = 0; i < keys.length; i += KEYS_PER_LOOKUP) {
      const rows = await this.conn.select<{ id: string; ts: string }>(
        `SELECT id, ts FROM ${this.layout.table('events')}
        WHERE ts >= ${quoteInt(Math.max(0, lo - DEDUPE_WINDOW_MS))} AND ts <= ${quoteInt(hi + DEDUPE_WINDOW_MS)}
          AND event_key IN ${quoteList(keys.slice(i, i + KEYS_PER_LOOKUP), quoteUInt64)}`,
      );
      for (const r of rows) {
        const list = found.get(r.id) ?? [];
        list.push(Number(r.ts));
        found.set(r.id, list);
      }
    }
    return found;
  }
}

/** The events row for a stored event; `event_key` is filled in by the caller for events without an id. */
function toRow(e: StoredEvent) {
  return {
    ts: e.ts,
    event_key: e.id === null ? '' : idKey(e.id),
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
    duration_ms: e.durationMs ?? -1,
  };
}
