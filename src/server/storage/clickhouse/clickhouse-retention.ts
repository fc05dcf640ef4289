/**
 * ClickHouse retention: drops whole partitions (30 days of ts or slot, see clickhouse-schema.ts) once every row
 * in them is past their tier's retention. Dropping a partition removes its files at once; nothing is rewritten.
 */
import type { Logger } from 'pino';
import { TIERS } from '../engine';
import { dropBefore, type RetentionPolicy } from '../retention';
import type { ClickHouseConnection } from './clickhouse-client';
import { PARTITION_MS, rollupTable, type ClickHouseLayout, type LogicalTable } from './clickhouse-schema';
import { quoteIdentifier, quoteInt, quoteString } from './clickhouse-sql';

/** Drops, on one node, the partitions past retention at `now`; returns how many it dropped. */
export async function dropExpiredPartitions(
  conn: ClickHouseConnection,
  layout: ClickHouseLayout,
  policy: RetentionPolicy,
  now: number,
  logger: Logger,
): Promise<number> {
  const drop = dropBefore(policy, now);
  let dropped = 0;
  for (const tier of TIERS) {
    const before = drop[tier.id];
    if (before === null) continue;
    const logical: LogicalTable = tier.id === 'raw' ? 'events' : rollupTable(tier.id);
    const local = layout.cluster ? `${logical}_local` : logical;
    const parts = await conn.select<{ partition: string }>(
      `SELECT DISTINCT partition FROM system.parts WHERE database = ${quoteString(layout.database)} AND table = ${quoteString(local)} AND active`,
    );
    for (const { partition } of parts) {
      const index = Number(partition);
      // A partition holds [index × 30 days, (index + 1) × 30 days); only whole partitions past retention go.
      if (!Number.isSafeInteger(index) || (index + 1) * PARTITION_MS > before) continue;
      await conn.execute(`ALTER TABLE ${quoteIdentifier(layout.database)}.${quoteIdentifier(local)} DROP PARTITION ${quoteInt(index)}`);
      dropped++;
    }
  }
  if (dropped > 0) logger.info({ dropped }, 'clickhouse retention dropped partitions past retention');
  return dropped;
}
