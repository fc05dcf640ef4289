/**
 * How far V8 lets its heap grow past the live objects before a full collection. Left to itself V8 picks a factor of
 * up to 4, and a bulk ingest (every event kept until its commit, so promoted to the old space) reached 190 MiB of heap
 * for about 50 MiB of live objects; a fixed factor of 2 held it to about 115 MiB, for 10–20% more server CPU time
 * over a 1M-event ingest (at 10M, ingest at 0.150× DuckDB's appender against 0.154× before; queries unchanged).
 */
import { setFlagsFromString } from 'node:v8';

/** Growth past the live objects before a full collection, in percent: 100 lets the heap reach twice them. */
export const HEAP_GROWING_PERCENT = 100;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/** The V8 flag to set, or null when Node was started with its own (`node --heap-growing-percent=N bin/tokenscope.js`). */
export function heapGrowthFlag(execArgv: readonly string[]): string | null {
  return execArgv.some((arg) => FLAG.test(arg)) ? null : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/**
 * Sets the heap growth for this process. V8 reads it at every collection, so setting it at start (rather than on
 * the command line, where NODE_OPTIONS does not allow it) takes effect.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  const flag = heapGrowthFlag(execArgv);
  if (flag) setFlagsFromString(flag);
}
