/** The embedded DuckDB engine: one file, one writer connection with group commit, a few reader connections. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  BIGINT,
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBConnection,
  type DuckDBMaterializedResult,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import type { Logger } from 'pino';
import { ClientError, StoreUnavailableError } from '../../errors';
import type {
  AggregateRequest,
  AggregateRow,
  CallsRequest,
  CallsResult,
  EventCost,
  IngestResult,
  QueryLimits,
  RepricedGroup,
  Store,
  StoredEvent,
} from '../engine';
import { KEEP_EVERYTHING, RETENTION_SWEEP_MS, heldFrom, keepsEverything, type RetentionPolicy } from '../retention';
import { compileAggregate } from './duckdb-aggregate';
import { aggregateRows, type AggregateColumns } from './duckdb-aggregate-rows';
import { callsFromColumns, compileCalls } from './duckdb-calls';
import { writeCompactCopy } from './duckdb-compact-file';
import { DuckDBCompactor } from './duckdb-compactor';
import { DuckDBDims } from './duckdb-dims';
import { DimsCatalogue } from './duckdb-dims-catalogue';
import { reopeningStore, type DatabaseHooks, type DuckDBDatabase } from './duckdb-reopen';
import { dropExpired, storedRows } from './duckdb-retention';
import { repriceDuckDB } from './duckdb-reprice';
import { migrateDuckDB } from './duckdb-schema';
import { duckdbSettings } from './duckdb-settings';
import { PROGRESS_SETTINGS, withinLimits } from './duckdb-watchdog';
import { DuckDBWriter } from './duckdb-writer';

export interface DuckDBStoreOptions {
  /** Database file, or `:memory:`. Its folder is created if missing. */
  path: string;
  logger: Logger;
  /** Reader connections; default 4. */
  readers?: number;
  /** Estimated repeated rollup rows before a tier is merged while ingest goes on; default MIN_REPEATED_ROWS (duckdb-compactor.ts). */
  compactAfterRepeats?: number;
  /** Rollup rows merged in one transaction; default MERGE_PIECE_ROWS (see duckdb-compactor.ts). */
  mergePieceRows?: number;
  /** Quiet time after which tiers with repeated rows are merged; default 2,000 ms. */
  idleCompactMs?: number;
  /** Write-ahead log size that triggers a checkpoint; default DEFAULT_CHECKPOINT_THRESHOLD (duckdb-settings.ts). */
  checkpointThreshold?: string;
  /** DuckDB's memory limit; default DEFAULT_DUCKDB_MEMORY_LIMIT. Past it DuckDB spills to a temporary folder next to the file. */
  memoryLimit?: string;
  /** DuckDB's worker threads; default one per core. */
  threads?: number | null;
  /** Memory for the hashed ids of stored events, which find resends without reading the events; default 128 MiB. */
  idIndexBytes?: number;
  /** How long each tier is kept; default everything forever. */
  retention?: RetentionPolicy;
  /** The clock retention is measured by; default Date.now. */
  now?: () => number;
  /** Most rows an aggregate statement hands to JavaScript for work SQL would do (see duckdb-aggregate.ts); default 20,000. */
  jsWorkMaxRows?: number;
  /** Limits on each aggregate read; default none. */
  queryLimits?: QueryLimits;
  /**
   * Online vacuum: when a retention sweep deletes at least this share (0–1) of the rows stored, the file is rewritten
   * without the space they held and swapped in while the store keeps serving (writes wait meanwhile); default null: never.
   */
  vacuumAtDeletedShare?: number | null;
}

/** Prepared statements per reader connection, by statement text; the oldest is dropped past the limit. */
const PREPARED_PER_CONNECTION = 64;
const preparedCache = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();

async function prepared(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let cache = preparedCache.get(conn);
  if (!cache) preparedCache.set(conn, (cache = new Map()));
  let statement = cache.get(sql);
  if (statement) {
    cache.delete(sql); // re-inserted below: the map's order is least recently used first
  } else {
    statement = await conn.prepare(sql);
    if (cache.size >= PREPARED_PER_CONNECTION) {
      const [oldest, old] = cache.entries().next().value!;
      old.destroySync();
      cache.delete(oldest);
    }
  }
  cache.set(sql, statement);
  return statement;
}

/**
 * The columns of a materialised result of numbers (DOUBLE and INTEGER columns), read chunk by chunk from memory: the
 * reader's chunk-by-chunk fetch costs a round trip through Node's thread pool per 2,048 rows, and its value
 * converters a call per value.
 */
function numberColumns(result: DuckDBMaterializedResult): (number | null)[][] {
  const rows = result.rowCount;
  const columns = Array.from({ length: result.columnCount }, (_, i) => {
    const type = result.columnTypeId(i);
    if (type !== DuckDBTypeId.DOUBLE && type !== DuckDBTypeId.INTEGER) throw new Error(`column ${result.columnName(i)} is not a number column`);
    return new Array<number | null>(rows);
  });
  let at = 0;
  for (let k = 0; k < result.chunkCount; k++) {
    const chunk = result.getChunk(k);
    const size = chunk.rowCount;
    for (let i = 0; i < columns.length; i++) {
      const vector = chunk.getColumnVector(i) as DuckDBVector<number>;
      const column = columns[i];
      for (let row = 0; row < size; row++) column[at + row] = vector.getItem(row);
    }
    at += size;
  }
  return columns;
}

class ConnectionPool {
  private readonly free: DuckDBConnection[];
  private readonly waiting: ((c: DuckDBConnection | null) => void)[] = [];
  private closing = false;
  private onIdle: (() => void) | null = null;
  constructor(readonly all: DuckDBConnection[]) {
    this.free = [...all];
  }
  async use<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = this.closing ? null : (this.free.pop() ?? (await new Promise<DuckDBConnection | null>((resolve) => this.waiting.push(resolve))));
    if (!conn) throw new StoreUnavailableError('the store is closed');
    try {
      return await work(conn);
    } finally {
      const next = this.waiting.shift();
      if (next) next(conn);
      else this.free.push(conn);
      if (this.free.length === this.all.length) this.onIdle?.();
    }
  }
  /** Refuses new reads and waits for those in progress: a connection closed under a running query would crash. */
  async drain(): Promise<void> {
    this.closing = true;
    for (const next of this.waiting.splice(0)) next(null);
    if (this.free.length < this.all.length) await new Promise<void>((resolve) => (this.onIdle = resolve));
  }
}

/** Opens the database, and opens it again should DuckDB invalidate it (see duckdb-reopen.ts). */
export async function openDuckDBStore(options: DuckDBStoreOptions): Promise<Store> {
  const vacuum =
    options.vacuumAtDeletedShare != null && options.path !== ':memory:' ? { path: options.path, atDeletedShare: options.vacuumAtDeletedShare } : null;
  return reopeningStore((hooks) => openDuckDBDatabase(options, hooks), options.logger, vacuum);
}

async function openDuckDBDatabase(options: DuckDBStoreOptions, { onFailure, onRetentionDeleted }: DatabaseHooks): Promise<DuckDBDatabase> {
  const { path, logger } = options;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let instance: DuckDBInstance;
  try {
    const settings = duckdbSettings(options);
    instance = await DuckDBInstance.create(path, settings);
  } catch (err) {
    const message = (err as Error).message;
    if (/lock/i.test(message)) {
      throw new Error(`the database ${path} is in use by another process (is another tokenscope serve running on it?)`, { cause: err });
    }
    throw new Error(`could not open the database ${path}: ${message}`, { cause: err });
  }
  // An instance left open after a failed step would hold the file while the next attempt opens it again.
  const orClose = <T>(step: Promise<T>): Promise<T> =>
    step.catch((err) => {
      instance.closeSync();
      throw err;
    });
  const writerConn = await orClose(instance.connect());
  await orClose(migrateDuckDB(writerConn));
  const dims = await orClose(DuckDBDims.load(writerConn));
  const compactorConn = await orClose(instance.connect());
  const compactor = new DuckDBCompactor(compactorConn, logger, { minRepeatedRows: options.compactAfterRepeats, pieceRows: options.mergePieceRows });
  await orClose(compactor.scan());

  let idleTimer: NodeJS.Timeout | undefined;
  const idleCompactMs = options.idleCompactMs ?? 2000;
  let mergeQueued = false;
  const writer: DuckDBWriter = await DuckDBWriter.open(writerConn, dims, logger, {
    idIndexBytes: options.idIndexBytes,
    onCommitted: (appended) => {
      compactor.note(appended);
      // While ingest goes on, a merge holds the writer, so that ingest leaves the two cores to the merge and the
      // queries meanwhile: under the load run, query p99 218 ms against 288 ms with merges beside the commits, for
      // 15.8k instead of 22.8k events/s. An idle merge runs beside any commit that comes.
      if (!compactor.wants() || mergeQueued) return;
      mergeQueued = true;
      writer
        .exclusive(() => compactor.merge())
        .catch((err) => logger.warn({ err }, 'duckdb rollup merge not run'))
        .finally(() => (mergeQueued = false));
    },
    onFailure,
    onIdle: () => {
      clearTimeout(idleTimer);
      if (!compactor.wants(true)) return;
      idleTimer = setTimeout(() => {
        if (writer.idle) compactor.start(true);
      }, idleCompactMs);
      idleTimer.unref();
    },
  });
  if (compactor.wants(true)) compactor.start(true);
  // Maintenance on the writer that deletes rollup rows or rewrites the file runs with merges paused.
  const maintenance = (work: () => Promise<void>) => writer.exclusive(() => compactor.whilePaused(work));

  const retention = options.retention ?? KEEP_EVERYTHING;
  const now = options.now ?? Date.now;
  const applyRetention = () =>
    maintenance(async () => {
      const deleted = await dropExpired(writerConn, retention, now(), logger);
      // Free blocks are no measure: a checkpoint while reads run may not yet free what was deleted.
      if (deleted > 0 && options.vacuumAtDeletedShare != null) onRetentionDeleted(deleted / (deleted + (await storedRows(writerConn))));
    });
  let retentionTimer: NodeJS.Timeout | undefined;
  if (!keepsEverything(retention)) {
    // A sweep that fails is retried at the next one; it must not end the process.
    const sweep = () => void applyRetention().catch((err) => logger.warn({ err }, 'duckdb retention failed; will retry'));
    sweep();
    retentionTimer = setInterval(sweep, RETENTION_SWEEP_MS);
    retentionTimer.unref();
  }

  const limits = options.queryLimits ?? { maxRows: 0, timeoutMs: 0 };
  const readers = new ConnectionPool(
    await Promise.all(
      Array.from({ length: options.readers ?? 4 }, async () => {
        const c = await instance.connect();
        // The row limit reads DuckDB's progress figures, which it keeps only with its progress bar on.
        if (limits.maxRows) await c.run(PROGRESS_SETTINGS);
        return c;
      }),
    ),
  );
  let closed = false;
  // The dims registry as readers see it, loaded by the first aggregate and topped up when one meets a new id.
  const catalogue = new DimsCatalogue();
  let catalogueLoaded: Promise<void> | null = null;

  const read = async <T>(what: string, work: (c: DuckDBConnection) => Promise<T>): Promise<T> => {
    if (closed) throw new StoreUnavailableError('the store is closed');
    try {
      return await readers.use(work);
    } catch (err) {
      // A read stopped by the query limits is the query's fault, not the store's.
      if (err instanceof StoreUnavailableError || err instanceof ClientError) throw err;
      logger.error({ err, what }, 'duckdb read failed');
      onFailure(err);
      throw new StoreUnavailableError(`could not read from the store: ${(err as Error).message}`, { cause: err });
    }
  };

  return {
    engine: 'duckdb',
    capabilities: { topN: true },

    ingest(events: readonly StoredEvent[]): Promise<IngestResult> {
      if (closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
      return writer.write(events);
    },

    async aggregate(request: AggregateRequest): Promise<AggregateRow[]> {
      if (request.pieces.length === 0) return [];
      const started = performance.now();
      return read('aggregate', async (c) => {
        catalogueLoaded ??= catalogue.load(c).catch((err) => {
          catalogueLoaded = null;
          throw err;
        });
        await catalogueLoaded;
        const compiled = compileAggregate(request, catalogue, options.jsWorkMaxRows);
        const statement = await prepared(c, compiled.sql);
        statement.bind(compiled.values, compiled.types);
        const columns = numberColumns(await withinLimits(c, limits, () => statement.run())) as AggregateColumns;
        const [buckets, ids] = columns;
        if (compiled.grouping !== 'none') await catalogue.cover(c, ids);
        logger.debug(
          { pieces: request.pieces.length, grouping: compiled.grouping, rows: buckets.length, ms: Math.round(performance.now() - started) },
          'duckdb aggregate',
        );
        return aggregateRows(request, compiled, catalogue, columns);
      });
    },

    heldFrom: () => heldFrom(retention, now()),

    memory: () =>
      read('memory', async (c) => {
        const [[engineBytes]] = (await c.runAndReadAll('SELECT coalesce(sum(memory_usage_bytes), 0)::DOUBLE FROM duckdb_memory()')).getRowsJS() as number[][];
        return { engineBytes, idIndexBytes: writer.idIndexBytes };
      }),

    applyRetention: () => {
      if (closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
      return applyRetention();
    },

    async largestCalls(request: CallsRequest): Promise<CallsResult> {
      const { thresholdSql, sql, values, types, earliest: first } = compileCalls(request);
      const started = performance.now();
      // Raw reads count against the query limits as aggregates do.
      const run = async (c: DuckDBConnection, text: string, bound: Record<string, DuckDBValue>, boundTypes: Record<string, DuckDBType>) => {
        const statement = await prepared(c, text);
        statement.bind(bound, boundTypes);
        return withinLimits(c, limits, async () => (await statement.runAndReadAll()).getColumnsJS());
      };
      // The earliest event is looked up beside the calls, on a connection of its own.
      const [calls, earliest] = await Promise.all([
        read('calls', async (c) => {
          const [[threshold = null] = []] = (await run(c, thresholdSql, values, types)) as (number | null)[][];
          // Bound as an integer, as every score is: against a DOUBLE the column would be cast, and its statistics unused.
          return threshold === null ? [] : callsFromColumns(await run(c, sql, { ...values, t: BigInt(threshold) }, { ...types, t: BIGINT }));
        }),
        read('earliest', async (c) => ((await run(c, first.sql, first.values, first.types)) as (number | null)[][])[0]?.[0] ?? null),
      ]);
      logger.debug({ rows: calls.length, ms: Math.round(performance.now() - started) }, 'duckdb calls');
      return { calls, earliest };
    },

    async reprice(from: number, to: number, price: (event: StoredEvent) => EventCost): Promise<RepricedGroup[]> {
      if (closed) throw new StoreUnavailableError('the store is closed');
      let result: RepricedGroup[] = [];
      try {
        await maintenance(async () => {
          result = await repriceDuckDB(writerConn, from, to, price);
        });
      } catch (err) {
        if (err instanceof StoreUnavailableError) throw err;
        logger.error({ err }, 'duckdb reprice failed');
        onFailure(err);
        throw new StoreUnavailableError(`could not reprice: ${(err as Error).message}`, { cause: err });
      }
      return result;
    },

    async writeCompactCopy(target: string): Promise<{ tables: number; rows: number }> {
      if (closed) throw new StoreUnavailableError('the store is closed');
      let copied = { tables: 0, rows: 0 };
      await maintenance(async () => {
        copied = await writeCompactCopy(writerConn, target);
      });
      return copied;
    },

    async eventCount(): Promise<number> {
      const rows = await read('count', async (c) => (await c.runAndReadAll('SELECT coalesce(sum(requests), 0)::BIGINT FROM rollup_1d')).getRowsJS());
      return Number(rows[0][0]);
    },

    async close(): Promise<void> {
      if (closed) return;
      clearTimeout(idleTimer);
      clearInterval(retentionTimer);
      await compactor.stop();
      await writer.close();
      closed = true;
      await writerConn.run('CHECKPOINT').catch((err) => logger.warn({ err }, 'duckdb checkpoint at close failed'));
      await readers.drain();
      for (const c of [...readers.all, writerConn, compactorConn]) c.closeSync();
      instance.closeSync();
    },
  };
}
