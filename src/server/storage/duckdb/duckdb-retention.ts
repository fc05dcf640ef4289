/** DuckDB retention: deletes raw events and rollup rows past their tier's retention, then checkpoints so the blocks are freed. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { TIERS } from '../engine';
import { dropBefore, type RetentionPolicy } from '../retention';
import { ROLLUP_TIERS, rollupTable } from './duckdb-schema';

/**
 * Deletes what is past retention at `now`; returns the rows deleted. Run it on the writer. DuckDB frees whole
 * blocks at the checkpoint and reuses them for new rows; the file itself keeps its size (it shrinks only when
 * the free blocks are at its end, or when it is rewritten: duckdb-compact-file.ts).
 */
export async function dropExpired(conn: DuckDBConnection, policy: RetentionPolicy, now: number, logger: Logger): Promise<number> {
  const drop = dropBefore(policy, now);
  let deleted = 0;
  for (const tier of TIERS) {
    const before = drop[tier.id];
    if (before === null) continue;
    const [table, column] = tier.id === 'raw' ? ['events', 'ts'] : [rollupTable(tier.id), 'slot'];
    const result = await conn.run(`DELETE FROM ${table} WHERE ${column} < ${Math.floor(before)}`);
    deleted += Number(result.rowsChanged);
  }
  if (deleted > 0) {
    await conn.run('CHECKPOINT').catch((err) => logger.warn({ err }, 'duckdb checkpoint after retention failed; the next one frees the space'));
    logger.info({ deleted }, 'duckdb retention deleted rows past retention');
  }
  return deleted;
}

/** Rows in the raw events table and every rollup table: what a sweep's deletions are measured against. */
export async function storedRows(conn: DuckDBConnection): Promise<number> {
  const tables = ['events', ...ROLLUP_TIERS.map((t) => rollupTable(t.id))];
  const [[rows]] = (await conn.runAndReadAll(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ')}`)).getRowsJS();
  return Number(rows);
}
