/**
 * Stops a DuckDB read past the query limits. Once a statement's scans run, DuckDB estimates how many rows it will
 * read (its progress figures, usually within tens of milliseconds); a watchdog reads them every few milliseconds and
 * interrupts the connection when the estimate or the rows already read pass the row limit, or when time is up. A
 * read that ends before its figures appear was cheap and is left alone.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { QueryLimitError } from '../../errors';
import { QUERY_LIMIT_MESSAGES, type QueryLimits } from '../engine';

const LOOK_EVERY_MS = 5;

/** Settings a reader connection needs for progress figures (without printing a progress bar). */
export const PROGRESS_SETTINGS = 'SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0';

/** Runs `work` on `conn` within `limits`; a stopped read rejects with a QueryLimitError. */
export async function withinLimits<T>(conn: DuckDBConnection, limits: QueryLimits, work: () => Promise<T>): Promise<T> {
  if (!limits.maxRows && !limits.timeoutMs) return work();
  let stopped: string | null = null;
  const stop = (reason: string) => {
    if (stopped) return;
    stopped = reason;
    conn.interrupt();
  };
  const timeUp = limits.timeoutMs ? setTimeout(() => stop(QUERY_LIMIT_MESSAGES.time(limits.timeoutMs)), limits.timeoutMs) : undefined;
  // The connection keeps the last statement's figures until this one reports its own: those are not this read's.
  const before = conn.progress;
  const look = limits.maxRows
    ? setInterval(() => {
        const now = conn.progress;
        const { rows_processed: done, total_rows_to_process: total } = now;
        if (done === before.rows_processed && total === before.total_rows_to_process && now.percentage === before.percentage) return;
        if (Number(total) > limits.maxRows) stop(QUERY_LIMIT_MESSAGES.rows(Number(total), limits.maxRows));
        else if (Number(done) > limits.maxRows) stop(QUERY_LIMIT_MESSAGES.rows(null, limits.maxRows));
      }, LOOK_EVERY_MS)
    : undefined;
  try {
    return await work();
  } catch (err) {
    if (stopped) throw new QueryLimitError(stopped);
    throw err;
  } finally {
    clearTimeout(timeUp);
    clearInterval(look);
  }
}
