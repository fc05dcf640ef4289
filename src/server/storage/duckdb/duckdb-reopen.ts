/**
 * Keeps a DuckDB store serving while its database is closed and opened again underneath it:
 * - after DuckDB gave up on the database. A checkpoint that fails (the disk filled up while the log was being
 *   folded into the file) invalidates it: DuckDB then refuses every read and write until it is opened again. Here
 *   the store closes it and opens it again, which replays the log, so nothing committed is lost; while it cannot be
 *   opened yet (the disk still full), requests get a 503 and the next request tries again.
 * - to give disk space back (online vacuum, off unless configured): when a retention sweep deletes a large share of what
 *   was stored, new writes are held back, the database is copied into a fresh file while reads go on, closed, the
 *   copy renamed over it and opened; reads wait for that swap instead of failing.
 * The process never needs a restart.
 */
import { realpathSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../errors';
import type { Store } from '../engine';
import { compactCopyPath, removeCopy, swapInCopy } from './duckdb-compact-file';
import { isInvalidated, wasRefusedAsInvalidated } from './duckdb-failures';
import { WriteGate } from './duckdb-write-gate';

/** What an open database tells the store about itself. */
export interface DatabaseHooks {
  /** A read or write failed (DuckDB may have invalidated the database). */
  onFailure(err: unknown): void;
  /** A retention sweep deleted `share` (0–1) of the rows stored (told only when the store has an online vacuum). */
  onRetentionDeleted(share: number): void;
}

/** One open database, which can also write a compact copy of itself (see duckdb-compact-file.ts). */
export interface DuckDBDatabase extends Store {
  writeCompactCopy(target: string): Promise<{ tables: number; rows: number }>;
}

export type OpenDatabase = (hooks: DatabaseHooks) => Promise<DuckDBDatabase>;

/** Online vacuum: the file, and the share (0–1) of the stored rows a retention sweep must delete to rewrite it. */
export interface OnlineVacuum {
  path: string;
  atDeletedShare: number;
}

export async function reopeningStore(open: OpenDatabase, logger: Logger, vacuum: OnlineVacuum | null = null): Promise<Store> {
  let current: DuckDBDatabase | null = null;
  let reopening: Promise<DuckDBDatabase> | null = null;
  let retiring: Promise<void> = Promise.resolve();
  let closed = false;
  let vacuuming: Promise<void> | null = null;
  const writes = new WriteGate();
  /** Databases closed to swap the file: a read that still reached one is made again on the one opened after it. */
  const swappedOut = new WeakSet<Store>();

  /** Opens the file and makes it the current database. */
  const openOne = async (): Promise<DuckDBDatabase> => {
    let opened = false;
    // A sweep may finish while the database is still opening (the one at start); its vacuum waits for the opening.
    let settle!: { resolve: () => void; reject: (err: unknown) => void };
    const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    ready.catch(() => {});
    let store: DuckDBDatabase;
    try {
      store = await open({
        onFailure(err) {
          if (!opened || current !== store || !isInvalidated(err)) return;
          current = null;
          logger.error({ err: { message: (err as Error).message } }, 'duckdb invalidated the database after a failed write; reopening it');
          retiring = store.close().catch((closeErr) => logger.warn({ err: closeErr }, 'closing the invalidated database failed'));
        },
        onRetentionDeleted(share) {
          if (!vacuum || share < vacuum.atDeletedShare || vacuuming || closed) return;
          logger.info(
            { deletedShare: Math.round(share * 100) / 100 },
            'duckdb retention deleted much of what was stored; rewriting the file to give the space back',
          );
          vacuuming = ready
            .then(() => vacuumOnline(store, vacuum.path))
            .catch((err) => logger.error({ err }, 'duckdb online vacuum failed'))
            .finally(() => (vacuuming = null));
        },
      });
    } catch (err) {
      settle.reject(err);
      throw err;
    }
    opened = true;
    current = store;
    settle.resolve();
    return store;
  };

  const swapIn = (retired: DuckDBDatabase, prepare: () => void): Promise<DuckDBDatabase> => {
    // The old database must be closed before the file is opened again: two instances on one file would corrupt it.
    let closedCleanly = false;
    retiring = retired.close().then(
      () => void (closedCleanly = true),
      (err) => logger.warn({ err }, 'closing the database failed'),
    );
    reopening = retiring
      .then(() => (closedCleanly ? prepare() : undefined))
      .then(openOne)
      .then(
        (store) => {
          current = store;
          reopening = null;
          return store;
        },
        (err) => {
          reopening = null;
          throw err;
        },
      );
    return reopening;
  };

  // Writes are held back from the copy until the swap: what they wrote to the old file would be lost.
  const vacuumOnline = async (store: DuckDBDatabase, file: string): Promise<void> => {
    const release = await writes.hold();
    try {
      if (current !== store || closed) return;
      const started = performance.now();
      // The rename replaces the file itself, not a symbolic link to it.
      const path = realpathSync(file);
      const target = compactCopyPath(path);
      const copied = await store.writeCompactCopy(target);
      const bytesBefore = statSync(path).size;
      current = null;
      swappedOut.add(store);
      await swapIn(store, () => {
        try {
          swapInCopy(target, path);
        } catch (err) {
          removeCopy(target);
          logger.error({ err }, 'duckdb online vacuum could not put the copy in place; the original file is kept');
        }
      });
      logger.info(
        { bytesBefore, bytesAfter: statSync(path).size, ...copied, ms: Math.round(performance.now() - started) },
        'duckdb file rewritten; disk space given back',
      );
    } finally {
      release();
    }
  };

  current = await openOne();
  const engine = current.engine;
  // What each tier holds depends on the configuration and the clock only, not on which opening answers.
  const held = current.heldFrom?.bind(current);

  const use = async (): Promise<DuckDBDatabase> => {
    if (closed) throw new StoreUnavailableError('the store is closed');
    if (current) return current;
    reopening ??= retiring.then(openOne).then(
      (store) => {
        current = store;
        reopening = null;
        logger.info('duckdb database reopened');
        return store;
      },
      (err) => {
        reopening = null;
        throw err;
      },
    );
    try {
      return await reopening;
    } catch (err) {
      throw new StoreUnavailableError(`the database is being reopened and cannot be opened yet (${(err as Error).message}); retry later`, { cause: err });
    }
  };

  // A call refused by a database that DuckDB had already given up on (a merge between requests found out first),
  // or by one closed to swap its file, ran nothing, so it is safe to make again on the database opened after it.
  const call = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    const store = await use();
    try {
      return await work(store);
    } catch (err) {
      if (!wasRefusedAsInvalidated(err) && !(swappedOut.has(store) && err instanceof StoreUnavailableError)) throw err;
      return work(await use());
    }
  };

  return {
    engine,
    capabilities: current.capabilities,
    ingest: (events) => writes.admit(() => call((store) => store.ingest(events))),
    aggregate: (request) => call((store) => store.aggregate(request)),
    largestCalls: (request) => call((store) => store.largestCalls(request)),
    eventCount: () => call((store) => store.eventCount()),
    memory: () => call((store) => store.memory!()),
    ...(held ? { heldFrom: held } : {}),
    // Resolves once a vacuum that the sweep started has finished too.
    applyRetention: async () => {
      await writes.admit(() => call(async (store) => store.applyRetention?.()));
      await vacuuming;
    },
    // Not retried on a reopened database: a repricing cut off half way is simply run again by the operator.
    reprice: (from, to, price) => writes.admit(() => use().then((store) => store.reprice!(from, to, price))),
    async close() {
      closed = true;
      await vacuuming;
      await reopening?.catch(() => {});
      await current?.close();
      await retiring;
    },
  };
}
