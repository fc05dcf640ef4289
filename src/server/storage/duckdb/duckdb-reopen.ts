/**
 * Keeps a DuckDB store serving after DuckDB gave up on its database. A checkpoint that fails (the disk filled
 * up while the log was being folded into the file) invalidates the database: DuckDB then refuses every read
 * and write until it is opened again. Here the store closes it and opens it again, which replays the log, so
 * nothing committed is lost; while it cannot be opened yet (the disk still full), requests get a 503 and the
 * next request tries again. The process never needs a restart.
 */
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../errors';
import type { Store } from '../engine';
import { isInvalidated, wasRefusedAsInvalidated } from './duckdb-failures';

/** Opens one database; it reports every failed read or write to `onFailure`. */
export type OpenDatabase = (onFailure: (err: unknown) => void) => Promise<Store>;

export async function reopeningStore(open: OpenDatabase, logger: Logger): Promise<Store> {
  let current: Store | null = null;
  let reopening: Promise<Store> | null = null;
  let retiring: Promise<void> = Promise.resolve();
  let closed = false;

  const openOne = async (): Promise<Store> => {
    let opened = false;
    const store: Store = await open((err) => {
      if (!opened || current !== store || !isInvalidated(err)) return;
      current = null;
      logger.error({ err: { message: (err as Error).message } }, 'duckdb invalidated the database after a failed write; reopening it');
      retiring = store.close().catch((closeErr) => logger.warn({ err: closeErr }, 'closing the invalidated database failed'));
    });
    opened = true;
    return store;
  };

  current = await openOne();
  const engine = current.engine;
  // What each tier holds depends on the configuration and the clock only, not on which opening answers.
  const held = current.heldFrom?.bind(current);

  const use = async (): Promise<Store> => {
    if (closed) throw new StoreUnavailableError('the store is closed');
    if (current) return current;
    // The old database must be closed before the file is opened again: two instances on one file would corrupt it.
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
      throw new StoreUnavailableError(`the database is being reopened after a failed write and cannot be opened yet (${(err as Error).message}); retry later`, {
        cause: err,
      });
    }
  };

  // A call refused by a database that DuckDB had already given up on (a merge between requests found out
  // first) ran nothing, so it is safe to make again on the reopened one.
  const call = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    try {
      return await work(await use());
    } catch (err) {
      if (!wasRefusedAsInvalidated(err)) throw err;
      return work(await use());
    }
  };

  return {
    engine,
    capabilities: current.capabilities,
    ingest: (events) => call((store) => store.ingest(events)),
    aggregate: (request) => call((store) => store.aggregate(request)),
    largestCalls: (request) => call((store) => store.largestCalls(request)),
    eventCount: () => call((store) => store.eventCount()),
    ...(held ? { heldFrom: held } : {}),
    applyRetention: () => call(async (store) => store.applyRetention?.()),
    // Not retried on a reopened database: a repricing cut off half way is simply run again by the operator.
    reprice: (from, to, price) => use().then((store) => store.reprice!(from, to, price)),
    async close() {
      closed = true;
      await reopening?.catch(() => {});
      await current?.close();
      await retiring;
    },
  };
}
