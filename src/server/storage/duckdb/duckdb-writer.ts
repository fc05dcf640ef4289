/**
 * The single DuckDB writer. Batches from concurrent requests queue up and are written together in one
 * transaction (group commit), so each commit's fsync is shared; maintenance tasks run between groups.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../errors';
import { DEDUPE_WINDOW_MS, type IngestResult, type StoredEvent } from '../engine';
import { StoredIdIndex, windowDaysOf, type StoredIdSource } from '../stored-id-index';
import type { DuckDBDims } from './duckdb-dims';
import { isDurableCommit, isInvalidated, writeProblem } from './duckdb-failures';
import { eventColumns, rollupColumns, type StoredEventWithDims } from './duckdb-rows';
import { TableAppender } from './duckdb-table-appender';
import { ROLLUP_TIERS, SUSPECTS_DDL, rollupTable } from './duckdb-schema';

/** Rows appended to each rollup table by one commit, and the slot range they cover. */
export interface AppendedRollups {
  rows: Map<string, number>;
  minTs: number;
  maxTs: number;
}

interface Batch {
  kind: 'batch';
  events: readonly StoredEvent[];
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}
interface Task {
  kind: 'task';
  run: () => Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** An event of the group that is not a repeat of an id earlier in it: where it came from, and its dims id. */
interface Candidate extends StoredEventWithDims {
  /** Its batch in the group, and its index in that batch. */
  req: number;
  index: number;
}

export interface DuckDBWriterOptions {
  /** Most events written in one transaction; a larger single batch is still written whole. Default 200,000. */
  maxGroupEvents?: number;
  /** Memory for the hashed ids of stored events (see stored-id-index.ts); default 128 MiB. */
  idIndexBytes?: number;
  /** Called after each commit with what it appended to the rollups. */
  onCommitted?: (appended: AppendedRollups) => void;
  /** Called when the queue runs empty. */
  onIdle?: () => void;
  /** Called with DuckDB's error when a write fails, or when a commit succeeded but the checkpoint after it did not. */
  onFailure?: (err: unknown) => void;
}

const DAY_MS = 86_400_000;

/** Memory for the hashed ids of stored events: about ten million ids, three days of a hundred million calls a month. */
const DEFAULT_ID_INDEX_BYTES = 128 * 1024 * 1024;

/** Stored ids per UTC day, read with the writer's connection. */
function storedIdSource(conn: DuckDBConnection): StoredIdSource {
  const where = (days: readonly number[]) =>
    `ts >= ${Math.min(...days) * DAY_MS} AND ts < ${(Math.max(...days) + 1) * DAY_MS} AND id IS NOT NULL AND (ts // ${DAY_MS}) IN (${days.join(',')})`;
  return {
    async countIds(days) {
      const rows = (await conn.runAndReadAll(`SELECT (ts // ${DAY_MS})::DOUBLE, count(*)::DOUBLE FROM events WHERE ${where(days)} GROUP BY ALL`)).getRowsJS();
      return new Map(rows.map(([day, n]) => [Number(day), Number(n)]));
    },
    async forEachId(days, each) {
      const result = await conn.stream(`SELECT (ts // ${DAY_MS})::DOUBLE, id FROM events WHERE ${where(days)}`);
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const [dayColumn, idColumn] = chunk.getColumns() as [number[], string[]];
        for (let i = 0; i < idColumn.length; i++) each(dayColumn[i], idColumn[i]);
      }
    },
  };
}

export class DuckDBWriter {
  private readonly queue: (Batch | Task)[] = [];
  private draining = false;
  private closed = false;
  private readonly storedIds: StoredIdIndex;

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly dims: DuckDBDims,
    private readonly logger: Logger,
    private readonly options: DuckDBWriterOptions,
    private readonly eventsAppender: TableAppender,
    private readonly rollupAppenders: TableAppender[],
    private readonly suspectsAppender: TableAppender,
  ) {
    this.storedIds = new StoredIdIndex(options.idIndexBytes ?? DEFAULT_ID_INDEX_BYTES);
  }

  static async open(conn: DuckDBConnection, dims: DuckDBDims, logger: Logger, options: DuckDBWriterOptions = {}): Promise<DuckDBWriter> {
    await conn.run(SUSPECTS_DDL);
    const rollups = await Promise.all(ROLLUP_TIERS.map((tier) => TableAppender.open(conn, rollupTable(tier.id))));
    const [events, suspects] = [await TableAppender.open(conn, 'events'), await TableAppender.open(conn, 'suspects', 'temp')];
    return new DuckDBWriter(conn, dims, logger, options, events, rollups, suspects);
  }

  /** Stores a batch; resolves once it is committed. */
  write(events: readonly StoredEvent[]): Promise<IngestResult> {
    if (events.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0, stored: [] });
    return new Promise((resolve, reject) => this.enqueue({ kind: 'batch', events, resolve, reject }));
  }

  /** Runs a task with the writer connection to itself, between groups. */
  exclusive(run: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'task', run, resolve, reject }));
  }

  /** Waits for queued work, then refuses more. */
  async close(): Promise<void> {
    await this.exclusive(async () => {});
    this.closed = true;
    this.closeAppenders();
  }

  private closeAppenders(): void {
    for (const appender of [this.eventsAppender, ...this.rollupAppenders, this.suspectsAppender]) appender.close();
  }

  /** Bytes the index of stored ids holds. */
  get idIndexBytes(): number {
    return this.storedIds.bytes;
  }

  get idle(): boolean {
    return !this.draining && this.queue.length === 0;
  }

  private enqueue(item: Batch | Task): void {
    if (this.closed) {
      item.reject(new StoreUnavailableError('the store is closing'));
      return;
    }
    this.queue.push(item);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0];
        if (head.kind === 'task') {
          this.queue.shift();
          await head.run().then(head.resolve, head.reject);
          continue;
        }
        const group: Batch[] = [];
        let size = 0;
        const max = this.options.maxGroupEvents ?? 200_000;
        while (this.queue.length > 0 && this.queue[0].kind === 'batch' && (group.length === 0 || size + (this.queue[0] as Batch).events.length <= max)) {
          const b = this.queue.shift() as Batch;
          group.push(b);
          size += b.events.length;
        }
        await this.writeGroup(group);
      }
    } finally {
      this.draining = false;
    }
    this.options.onIdle?.();
  }

  /**
   * Writes a group in one transaction. When it fails and held several requests, each is written again alone, so
   * events that DuckDB refuses fail only their own request (unless the database itself is gone).
   */
  private async writeGroup(group: Batch[]): Promise<void> {
    const failure = await this.tryGroup(group);
    if (!failure) return;
    if (group.length > 1 && !isInvalidated(failure)) {
      this.logger.warn({ requests: group.length }, 'duckdb write of a group failed; writing its requests one by one');
      for (const b of group) await this.writeGroup([b]);
      return;
    }
    const error = new StoreUnavailableError(`could not store the events: ${writeProblem(failure)}; retry later`, { cause: failure });
    for (const b of group) b.reject(error);
  }

  /** Writes and answers a group in one transaction; returns DuckDB's error, with nothing stored and nobody answered, if it failed. */
  private async tryGroup(group: Batch[]): Promise<unknown> {
    const started = performance.now();
    // Milliseconds spent in each step, for the debug log.
    const steps: Record<string, number> = {};
    let stepStart = started;
    const step = (name: string) => {
      const now = performance.now();
      steps[name] = Math.round(now - stepStart);
      stepStart = now;
    };
    const eventCount = group.reduce((n, b) => n + b.events.length, 0);
    let begin: Promise<unknown> | null = null;
    try {
      // The days each id may be stored in are loaded first, so that most ids are found (or not) in memory.
      const withIds: number[] = [];
      for (const b of group) for (const e of b.events) if (e.id !== null) withIds.push(e.ts);
      await this.storedIds.load(windowDaysOf(withIds), storedIdSource(this.conn));
      step('loadIds');

      // BEGIN's round trip through the thread pool overlaps the work in JavaScript below (awaited before the appends).
      begin = this.conn.run('BEGIN');
      begin.catch(() => {});
      // Every event but a repeat of an id earlier in the group is a candidate; some may repeat a stored id.
      const candidates: Candidate[] = [];
      const suspects: number[] = [];
      const seen = new Set<string>();
      for (let req = 0; req < group.length; req++) {
        const events = group[req].events;
        for (let index = 0; index < events.length; index++) {
          const event = events[index];
          if (event.id !== null) {
            if (seen.has(event.id)) continue;
            seen.add(event.id);
            if (!this.storedIds.covers(event.ts) || this.storedIds.mayHold(event.id, event.ts)) suspects.push(candidates.length);
          }
          candidates.push({ event, dimsId: this.dims.idFor(event), req, index });
        }
      }
      // Without suspects every candidate is fresh, and its rows can be summed before the transaction is open.
      let rows = suspects.length === 0 ? this.rowsOf(candidates) : null;
      step('prepare');

      await begin;
      await this.dims.writePending(this.conn);
      const stored = await this.storedAmong(candidates, suspects);
      rows ??= this.rowsOf(candidates.filter((_, i) => !stored.has(i)));
      const { fresh } = rows;
      step('check');
      await this.eventsAppender.append(this.conn, rows.events, fresh.length);
      step('events');
      for (const [k, tier] of rows.tiers.entries()) await this.rollupAppenders[k].append(this.conn, tier.columns, tier.rows);
      step('appendRollups');
      const checkpointFailure = await this.commit();
      step('commit');
      this.dims.commit();
      for (const c of fresh) if (c.event.id !== null) this.storedIds.add(c.event.id, c.event.ts);
      this.storedIds.trim();

      const kept = group.map((b) => new Array<boolean>(b.events.length).fill(false));
      for (const c of fresh) kept[c.req][c.index] = true;
      group.forEach((b, req) => {
        const storedEvents = b.events.filter((_, i) => kept[req][i]);
        b.resolve({ accepted: storedEvents.length, duplicates: b.events.length - storedEvents.length, stored: storedEvents });
      });
      this.logger.debug(
        { events: eventCount, requests: group.length, suspects: suspects.length, ms: Math.round(performance.now() - started), steps },
        'duckdb write',
      );
      const appended = new Map(ROLLUP_TIERS.map((tier, k) => [tier.id, rows.tiers[k].rows]));
      if (fresh.length > 0) this.options.onCommitted?.({ rows: appended, minTs: fresh[0].event.ts, maxTs: fresh[fresh.length - 1].event.ts });
      if (checkpointFailure) {
        this.logger.error({ err: checkpointFailure }, 'duckdb checkpoint after a commit failed; the commit is stored');
        this.options.onFailure?.(checkpointFailure);
      }
      return null;
    } catch (err) {
      this.closeAppenders();
      // A ROLLBACK sent while BEGIN is still under way could reach DuckDB before it.
      await begin?.catch(() => {});
      await this.conn.run('ROLLBACK').catch(() => {});
      this.dims.rollback();
      this.storedIds.clear();
      this.logger.error({ err, events: eventCount, requests: group.length }, 'duckdb write failed');
      this.options.onFailure?.(err);
      return err;
    }
  }

  /** The fresh events in time order, as the events table's columns and each rollup tier's rows. */
  private rowsOf(fresh: Candidate[]) {
    fresh.sort((a, b) => a.event.ts - b.event.ts);
    const tiers = rollupColumns(
      fresh,
      ROLLUP_TIERS.map((t) => t.ms),
    );
    return { fresh, events: eventColumns(fresh), tiers };
  }

  /** Of the suspects (indices into `candidates`), those whose id a stored event within the dedupe window has. */
  private async storedAmong(candidates: readonly Candidate[], suspects: readonly number[]): Promise<Set<number>> {
    if (suspects.length === 0) return new Set();
    await this.conn.run('DELETE FROM suspects');
    let from = Infinity;
    let to = -Infinity;
    const columns = { row: [...suspects], id: suspects.map((i) => candidates[i].event.id), ts: suspects.map((i) => candidates[i].event.ts) };
    for (const ts of columns.ts) {
      from = Math.min(from, ts);
      to = Math.max(to, ts);
    }
    await this.suspectsAppender.append(this.conn, columns, suspects.length);
    const found = await this.conn.runAndReadAll(`SELECT s.row FROM suspects s WHERE EXISTS (
        SELECT 1 FROM events e
        WHERE e.ts BETWEEN ${Math.max(0, from - DEDUPE_WINDOW_MS)} AND ${to + DEDUPE_WINDOW_MS}
          AND e.id = s.id
          AND e.ts BETWEEN s.ts - ${DEDUPE_WINDOW_MS} AND s.ts + ${DEDUPE_WINDOW_MS})`);
    return new Set(found.getRowsJS().map(([row]) => Number(row)));
  }

  /**
   * Commits the open transaction. DuckDB may fail the checkpoint that follows a commit (the disk is full) and
   * say so in the COMMIT's error although the transaction is stored: that is a commit, and its error is returned.
   */
  private async commit(): Promise<Error | null> {
    try {
      await this.conn.run('COMMIT');
      return null;
    } catch (err) {
      if (isDurableCommit(err)) return err as Error;
      throw err;
    }
  }
}
