/**
 * Rollups are derived, not counted as events arrive: after a write, each slot it touched is recomputed
 * from the tier below (1m from the deduplicated raw events, 15m from 1m, …) and written as a new version of
 * the row. A row's version is the number of raw copies it has seen (summed up the tiers), which only grows as
 * copies arrive; so among the versions written by any number of backends for one slot, the highest is the
 * one that saw everything, and readers take it. A resent event, even one sent to two backends at once,
 * therefore never counts twice, and a backend that recomputed from a stale view is simply outvoted.
 */
import { BASE_SUMS } from '../../../shared';
import type { ClickHouseConnection } from './clickhouse-client';
import type { Logger } from 'pino';
import { DIMS, PARTITION_MS, ROLLUP_TIERS, TIERS_ADDED_IN_LAYOUT, rollupTable, type ClickHouseLayout, type RollupTierId } from './clickhouse-schema';
import { spanCondition, tierRows, timeColumn } from './clickhouse-sources';
import { quoteInt, quoteList } from './clickhouse-sql';

/** Slots per statement: keeps statements well under ClickHouse's 256 KiB query size limit. */
const SLOTS_PER_STATEMENT = 2000;

/** The distinct slots of `ms` that contain the given times, in order. */
export function slotsOf(times: Iterable<number>, ms: number): number[] {
  const slots = new Set<number>();
  for (const t of times) slots.add(t - (t % ms));
  return [...slots].sort((a, b) => a - b);
}

/**
 * Rows of `column` inside the given slots of `ms` (sorted): a range for the primary key to skip parts, and a
 * set for the slots themselves (one long OR of ranges is slow to analyse).
 */
function slotsCondition(column: string, ms: number, slots: readonly number[]): string {
  const first = slots[0];
  const last = slots[slots.length - 1];
  return `${column} >= ${quoteInt(first)} AND ${column} < ${quoteInt(last + ms)} AND intDiv(${column}, ${quoteInt(ms)}) IN ${quoteList(
    slots.map((s) => s / ms),
    quoteInt,
  )}`;
}

/** INSERT … SELECT that rewrites the tier's rows for the given slots (sorted) from the tier below. */
export function refreshSql(layout: ClickHouseLayout, tier: (typeof ROLLUP_TIERS)[number], slots: readonly number[]): string {
  return recomputeSql(layout, tier, slotsCondition(timeColumn(tier.source), tier.ms, slots));
}

/** INSERT … SELECT that rewrites the tier's rows from the rows of the tier below that satisfy `where`. */
function recomputeSql(layout: ClickHouseLayout, tier: (typeof ROLLUP_TIERS)[number], where: string): string {
  const columns = ['slot', 'dims_key', ...DIMS, 'api_key_label', ...BASE_SUMS, 'version'];
  const sums = BASE_SUMS.map((c) => `sum(s_${c})`);
  return `INSERT INTO ${layout.table(rollupTable(tier.id))} (${columns.join(', ')})
SELECT intDiv(slot, ${quoteInt(tier.ms)}) * ${quoteInt(tier.ms)} AS tier_slot, dims_key, ${DIMS.map((d) => `any(d_${d})`).join(', ')}, min(label), ${sums.join(', ')}, sum(v)
FROM (${tierRows(layout, tier.source, where, { dims: DIMS })})
GROUP BY tier_slot, dims_key`;
}

/** Recomputes, tier by tier from the finest, every slot that holds one of `times`. */
export async function refreshRollups(conn: ClickHouseConnection, layout: ClickHouseLayout, times: readonly number[]): Promise<void> {
  if (times.length === 0) return;
  for (const tier of ROLLUP_TIERS) await refreshSlots(conn, layout, tier.id, slotsOf(times, tier.ms));
}

/** Recomputes one tier's rows for the given slots (sorted, each a multiple of the tier's size). */
export async function refreshSlots(conn: ClickHouseConnection, layout: ClickHouseLayout, tierId: RollupTierId, slots: readonly number[]): Promise<void> {
  const tier = ROLLUP_TIERS.find((t) => t.id === tierId)!;
  for (let i = 0; i < slots.length; i += SLOTS_PER_STATEMENT) {
    await conn.execute(refreshSql(layout, tier, slots.slice(i, i + SLOTS_PER_STATEMENT)), layout.writeSettings);
  }
}

/**
 * Fills the tiers a database written by layout `found` (> 0) lacks (see TIERS_ADDED_IN_LAYOUT) from the tier below,
 * one 30-day partition per statement. Rows get the versions the tier below adds up to, as a refresh gives them, so
 * replicas filling at once, or a fill repeated after a crash, write the same rows.
 */
export async function fillAddedTiers(conn: ClickHouseConnection, layout: ClickHouseLayout, found: number, logger: Logger): Promise<void> {
  if (found === 0) return;
  for (const tier of ROLLUP_TIERS) {
    const added = TIERS_ADDED_IN_LAYOUT[tier.id];
    if (added === undefined || found >= added || tier.source === 'raw') continue;
    const source = layout.table(rollupTable(tier.source));
    const partitions = await conn.select<{ p: string }>(`SELECT DISTINCT intDiv(slot, ${quoteInt(PARTITION_MS)}) AS p FROM ${source} ORDER BY p`);
    for (const { p } of partitions) {
      const span = { from: Number(p) * PARTITION_MS, to: (Number(p) + 1) * PARTITION_MS };
      await conn.execute(recomputeSql(layout, tier, spanCondition('slot', span)), layout.writeSettings);
    }
    logger.info({ tier: tier.id, from: tier.source, partitions: partitions.length }, 'clickhouse filled a rollup tier added by a newer layout');
  }
}
