/** How values rank by a `RankOrder` (engine.ts): for engines that rank in JavaScript and for the query layer alike. */
import { addSums, zeroSums, type BaseSums } from '../../shared';
import type { RankOrder } from './engine';

/** A value's rank score: larger ranks first; -1 below everything for a `timedOnly` order without timed requests. */
export function rankScore(order: RankOrder, sums: BaseSums): number {
  if (order.timedOnly && sums.timed_requests === 0) return -1;
  return order.of.reduce((total, s) => total + sums[s], 0);
}

/** Key order for ties: UTF-8 byte order, as the engines sort strings. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Rows with a key, ranked first to last by `order` (ties by key); sorts `rows` in place and returns it. */
export function rankRows<T extends { key: string | null; sums: BaseSums }>(rows: T[], order: RankOrder): T[] {
  const scores = new Map(rows.map((r) => [r, rankScore(order, r.sums)]));
  return rows.sort((a, b) => scores.get(b)! - scores.get(a)! || compareKeys(a.key!, b.key!));
}

/** The values of many rows ranked: each key's total, first to last, with the label of its first row; key null left out. */
export function rankedTotals(
  rows: readonly { key: string | null; label: string | null; sums: BaseSums }[],
  order: RankOrder,
): { key: string; label: string | null; sums: BaseSums }[] {
  const totals = new Map<string, { key: string; label: string | null; sums: BaseSums }>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.key === null) continue;
    let total = totals.get(r.key);
    if (!total) totals.set(r.key, (total = { key: r.key, label: r.label, sums: zeroSums() }));
    addSums(total.sums, r.sums);
  }
  return rankRows([...totals.values()], order);
}
