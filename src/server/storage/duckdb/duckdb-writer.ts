/**
 * The single DuckDB writer. Batches from concurrent requests queue up and are written together in one
 * transaction (group commit), so each commit's fsync is shared; maintenance tasks run between groups.
 */
import { DOUBLE, DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../errors';
import { DEDUPE_WINDOW_MS, unpricedCost, type IngestResult, type StoredEvent } from '../engine';
import type { DuckDBDims } from './duckdb-dims';
import { isDurableCommit, writeProblem } from './duckdb-failures';
import { ROLLUP_COLUMNS, ROLLUP_TIERS, STAGING_DDL, SUMMED_BASE_SUMS, rollupTable } from './duckdb-schema';

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

const STAGING_TYPES = [INTEGER, INTEGER, DOUBLE, INTEGER, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, VARCHAR, VARCHAR, VARCHAR, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE];
const CHUNK_ROWS = 2048;
/** The cost columns of raw events (and of the staging table), in the order staged. */
const COST_COLUMNS = ['input_cost_micros', 'cache_read_cost_micros', 'cache_write_cost_micros', 'output_cost_micros', 'given_cost_micros', 'unpriced_tokens'];

export interface DuckDBWriterOptions {
  /** Most events written in one transaction; a larger single batch is still written whole. Default 200,000. */
  maxGroupEvents?: number;
  /** Called after each commit with what it appended to the rollups. */
  onCommitted?: (appended: AppendedRollups) => void;
  /** Called when the queue runs empty. */
  onIdle?: () => void;
  /** Called with DuckDB's error when a write fails, or when a commit succeeded but the checkpoint after it did not. */
  onFailure?: (err: unknown) => void;
}

export class DuckDBWriter {
  private readonly queue: (Batch | Task)[] = [];
  private draining = false;
  private closed = false;

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly dims: DuckDBDims,
    private readonly logger: Logger,
    private readonly options: DuckDBWriterOptions,
  ) {}

  static async open(conn: DuckDBConnection, dims: DuckDBDims, logger: Logger, options: DuckDBWriterOptions = {}): Promise<DuckDBWriter> {
    await conn.run(STAGING_DDL);
    return new DuckDBWriter(conn, dims, logger, options);
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

  private async writeGroup(group: Batch[]): Promise<void> {
    const started = performance.now();
    let minTs = Infinity;
    let maxTs = -Infinity;
    const eventCount = group.reduce((n, b) => n + b.events.length, 0);
    try {
      await this.conn.run('DELETE FROM staging');
      const columns: unknown[][] = STAGING_TYPES.map(() => []);
      // An id repeated within the group: only its first occurrence is staged; the others are duplicates.
      const ids = new Set<string>();
      let seq = -1;
      let row = 0;
      group.forEach((batch, req) => {
        for (const e of batch.events) {
          seq++;
          if (e.id !== null) {
            if (ids.has(e.id)) continue;
            ids.add(e.id);
          }
          columns[0][row] = req;
          columns[1][row] = seq;
          columns[2][row] = e.ts;
          columns[3][row] = this.dims.idFor(e);
          columns[4][row] = e.inputTokens;
          columns[5][row] = e.outputTokens;
          columns[6][row] = e.cacheReadTokens;
          columns[7][row] = e.cacheWriteTokens;
          columns[8][row] = e.reasoningTokens;
          columns[9][row] = e.durationMs;
          columns[10][row] = e.id;
          columns[11][row] = e.traceId;
          columns[12][row] = e.spanId;
          const cost = e.cost ?? unpricedCost(e);
          columns[13][row] = cost.inputMicros;
          columns[14][row] = cost.cacheReadMicros;
          columns[15][row] = cost.cacheWriteMicros;
          columns[16][row] = cost.outputMicros;
          columns[17][row] = cost.givenMicros;
          columns[18][row] = cost.unpricedTokens;
          if (e.ts < minTs) minTs = e.ts;
          if (e.ts > maxTs) maxTs = e.ts;
          row++;
        }
      });
      const appender = await this.conn.createAppender('staging', null, 'temp');
      for (let start = 0; start < row; start += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, row - start);
        const chunk = DuckDBDataChunk.create(STAGING_TYPES, n);
        chunk.setColumns(columns.map((c) => c.slice(start, start + n)) as never);
        appender.appendDataChunk(chunk);
      }
      appender.closeSync();

      await this.conn.run('BEGIN');
      await this.dims.writePending(this.conn);
      const appended = await this.commitStaged(minTs, maxTs);
      // Read before the commit: a commit whose checkpoint fails leaves the database unreadable.
      const results = await this.results(group);
      const checkpointFailure = await this.commit();
      this.dims.commit();

      group.forEach((b, i) => b.resolve(results[i]));
      this.logger.debug({ events: eventCount, requests: group.length, ms: Math.round(performance.now() - started) }, 'duckdb write');
      this.options.onCommitted?.({ rows: appended, minTs, maxTs });
      if (checkpointFailure) {
        this.logger.error({ err: checkpointFailure }, 'duckdb checkpoint after a commit failed; the commit is stored');
        this.options.onFailure?.(checkpointFailure);
      }
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => {});
      this.dims.rollback();
      this.logger.error({ err, events: eventCount }, 'duckdb write failed');
      const failure = new StoreUnavailableError(`could not store the events: ${writeProblem(err)}; retry later`, { cause: err });
      for (const b of group) b.reject(failure);
      this.options.onFailure?.(err);
    }
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

  /** Per batch of the group: what was stored. Only batches that had duplicates need their rows looked up. */
  private async results(group: Batch[]): Promise<IngestResult[]> {
    const accepted = new Array<number>(group.length).fill(0);
    for (const [req, n] of (await this.conn.runAndReadAll('SELECT req, count(*) FROM fresh GROUP BY req')).getRowsJS()) {
      accepted[Number(req)] = Number(n);
    }
    const partial = group.map((b, i) => i).filter((i) => accepted[i] < group[i].events.length);
    const keptRows = new Set<number>();
    if (partial.length > 0) {
      const rows = await this.conn.runAndReadAll(`SELECT seq FROM fresh WHERE req IN (${partial.join(',')})`);
      for (const [seq] of rows.getRowsJS()) keptRows.add(Number(seq));
    }
    let firstRow = 0;
    return group.map((b, i) => {
      const start = firstRow;
      firstRow += b.events.length;
      const stored = accepted[i] === b.events.length ? b.events : b.events.filter((_, k) => keptRows.has(start + k));
      return { accepted: accepted[i], duplicates: b.events.length - accepted[i], stored };
    });
  }

  /** Moves staged rows that are not duplicates into events and the rollups; returns rows appended per tier. */
  private async commitStaged(minTs: number, maxTs: number): Promise<Map<string, number>> {
    const lo = Math.max(0, minTs - DEDUPE_WINDOW_MS);
    const hi = maxTs + DEDUPE_WINDOW_MS;
    // Staged rows carry no id twice; keep those whose id no stored event near their time has.
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE fresh AS
      SELECT s.req, s.seq, s.ts, s.dims_id, s.input_tokens, s.output_tokens, s.cache_read_tokens, s.cache_write_tokens,
             s.reasoning_tokens, s.duration_ms, s.id, s.trace_id, s.span_id, ${COST_COLUMNS.map((c) => `s.${c}`).join(', ')}
      FROM (
        SELECT req, seq, ts::BIGINT AS ts, dims_id,
               input_tokens::BIGINT AS input_tokens, output_tokens::BIGINT AS output_tokens,
               cache_read_tokens::BIGINT AS cache_read_tokens, cache_write_tokens::BIGINT AS cache_write_tokens,
               reasoning_tokens::BIGINT AS reasoning_tokens, duration_ms::BIGINT AS duration_ms, id, trace_id, span_id,
               ${COST_COLUMNS.map((c) => `${c}::BIGINT AS ${c}`).join(', ')}
        FROM staging
      ) s
      WHERE s.id IS NULL OR NOT EXISTS (
        SELECT 1 FROM events e
        WHERE e.ts BETWEEN ${lo} AND ${hi}
          AND e.id = s.id
          AND e.ts BETWEEN s.ts - ${DEDUPE_WINDOW_MS} AND s.ts + ${DEDUPE_WINDOW_MS}
      )
      ORDER BY s.ts`);
    const eventColumns = `ts, dims_id, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, duration_ms, id, trace_id, span_id, ${COST_COLUMNS.join(', ')}`;
    await this.conn.run(`INSERT INTO events (${eventColumns}) SELECT ${eventColumns} FROM fresh`);
        // The finest rollup is summed from the fresh events; each coarser one from the finest.
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE fresh_minutes AS
      SELECT ts - ts % 60000 AS slot, dims_id,
             input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
             1 AS requests, coalesce(duration_ms, 0) AS duration_ms, (duration_ms IS NOT NULL)::INTEGER AS timed_requests,
             input_cost_micros, cache_read_cost_micros, cache_write_cost_micros, output_cost_micros,
             coalesce(given_cost_micros, 0) AS given_cost_micros, unpriced_tokens,
             input_cost_micros + cache_read_cost_micros + cache_write_cost_micros + output_cost_micros + coalesce(given_cost_micros, 0) AS cost_micros
      FROM fresh`);
    const appended = new Map<string, number>();
    for (const tier of ROLLUP_TIERS) {
      const result = await this.conn.run(`INSERT INTO ${rollupTable(tier.id)} (${ROLLUP_COLUMNS})
        SELECT slot - slot % ${tier.ms} AS slot, dims_id, ${SUMMED_BASE_SUMS} FROM fresh_minutes GROUP BY ALL ORDER BY slot`);
      appended.set(tier.id, Number(result.rowsChanged));
    }
    return appended;
  }
}
