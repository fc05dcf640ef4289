/**
 * Heals rollups after a backend died between storing events and recomputing their slots: finds rollup rows
 * whose version differs from what the tier below adds up to, and recomputes those slots. Run at start over a
 * recent window; a client that resends the lost batch heals it too (duplicates refresh their slots).
 */
import type { Logger } from 'pino';
import type { ClickHouseConnection } from './clickhouse-client';
import { ROLLUP_TIERS, rollupTable, type ClickHouseLayout } from './clickhouse-schema';
import { spanCondition, tierRows, timeColumn, type Span } from './clickhouse-sources';
import { quoteInt } from './clickhouse-sql';
import { refreshSlots, slotsOf } from './clickhouse-rollups';

/** Slots of each tier, within `span`, whose rows disagree with the tier below. */
async function staleSlots(conn: ClickHouseConnection, layout: ClickHouseLayout, tier: (typeof ROLLUP_TIERS)[number], span: Span): Promise<number[]> {
  const ms = quoteInt(tier.ms);
  const rows = await conn.select<{ tier_slot: string }>(`SELECT DISTINCT tier_slot FROM (
    SELECT intDiv(slot, ${ms}) * ${ms} AS tier_slot, dims_key, sum(v) AS expected
    FROM (${tierRows(layout, tier.source, spanCondition(timeColumn(tier.source), span), { sums: [], label: false })})
    GROUP BY tier_slot, dims_key
  ) ANY LEFT JOIN (
    SELECT slot AS tier_slot, dims_key, max(version) AS have
    FROM ${layout.table(rollupTable(tier.id))}
    WHERE ${spanCondition('slot', span)}
    GROUP BY tier_slot, dims_key
  ) USING (tier_slot, dims_key)
  WHERE expected != have`);
  return rows.map((r) => Number(r.tier_slot));
}

/** Checks and repairs every tier over `span` (whole days), finest first. Returns the slots recomputed. */
export async function repairRollups(conn: ClickHouseConnection, layout: ClickHouseLayout, span: Span, logger: Logger): Promise<number> {
  let repaired = 0;
  for (const tier of ROLLUP_TIERS) {
    const stale = await staleSlots(conn, layout, tier, span);
    if (stale.length === 0) continue;
    await refreshSlots(conn, layout, tier.id, slotsOf(stale, tier.ms));
    logger.warn({ tier: tier.id, slots: stale.length }, 'clickhouse rollup slots were behind their events; recomputed');
    repaired += stale.length;
  }
  return repaired;
}
