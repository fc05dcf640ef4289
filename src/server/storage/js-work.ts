/**
 * What an engine may leave to JavaScript when a result is small: ranking the values and folding those past the top
 * into one row per bucket. Shared by the engines, which each decide by the rows their statement would hand over
 * (`bucketsRead` in engine.ts times the values).
 */
import { addSums } from '../../shared';
import type { AggregateRequest, AggregateRow } from './engine';
import { rankedTotals } from './rank';

/**
 * Most rows a statement may hand to JavaScript for the work SQL would otherwise do (adding up ids of one value,
 * ranking and folding past the top). Below it, that work costs less in JavaScript than the engine's extra joins and
 * passes over a handful of rows; above it, converting the rows would cost more.
 */
export const JS_WORK_MAX_ROWS = 20_000;

/**
 * Keeps the `limit` values that rank first over all rows; the others become one row per bucket with key null.
 * Reorders `rows` (the caller's own array) and returns it.
 */
export function foldPastTop(rows: AggregateRow[], { limit, order }: NonNullable<AggregateRequest['top']>): AggregateRow[] {
  const ranked = rankedTotals(rows, order);
  if (ranked.length <= limit) return rows;
  const kept = new Set(ranked.slice(0, limit).map((t) => t.key));
  // The kept rows move to the front of `rows`, the folded ones follow.
  const rest = new Map<number, AggregateRow>();
  let length = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.key !== null && kept.has(r.key)) {
      rows[length++] = r;
      continue;
    }
    const folded = rest.get(r.bucket);
    if (folded) addSums(folded.sums, r.sums);
    else rest.set(r.bucket, { bucket: r.bucket, key: null, label: null, sums: r.sums });
  }
  rows.length = length;
  for (const folded of rest.values()) rows.push(folded);
  return rows;
}
