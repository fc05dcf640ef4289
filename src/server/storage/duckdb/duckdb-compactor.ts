/**
 * Rollup compaction. Each commit appends partial sums to the rollup tables (appends are what DuckDB does
 * fast; scattered updates are not), so a slot may have several rows until they are merged here. Queries sum
 * rows anyway, so compaction changes only speed, never answers.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { TierId } from '../engine';
import type { AppendedRollups } from './duckdb-writer';
import { ROLLUP_TIERS, SUMMED_BASE_SUMS, rollupTable } from './duckdb-schema';

type RollupTier = Exclude<TierId, 'raw'>;

interface Dirty {
  rows: number;
  lo: number;
  hi: number;
}

export interface DuckDBCompactorOptions {
  /** Appended rows in a tier before a merge is considered. Default 50,000. */
  minDirtyRows?: number;
}

export class DuckDBCompactor {
  private readonly dirty = new Map<RollupTier, Dirty>();

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly logger: Logger,
    private readonly options: DuckDBCompactorOptions = {},
  ) {}

  /** Finds slots left unmerged by an earlier run (e.g. one that was killed). */
  async scan(): Promise<void> {
    for (const tier of ROLLUP_TIERS) {
      const [row] = (
        await this.conn.runAndReadAll(
          `SELECT count(*)::BIGINT, min(slot), max(slot) FROM (SELECT slot FROM ${rollupTable(tier.id)} GROUP BY slot, dims_id HAVING count(*) > 1)`,
        )
      ).getRowsJS();
      const rows = Number(row[0]);
      if (rows > 0) this.dirty.set(tier.id, { rows, lo: Number(row[1]), hi: Number(row[2]) });
    }
  }

  /** Records what a commit appended. */
  note(appended: AppendedRollups): void {
    for (const tier of ROLLUP_TIERS) {
      const rows = appended.rows.get(tier.id) ?? 0;
      if (rows === 0) continue;
      const lo = appended.minTs - (appended.minTs % tier.ms);
      const hi = appended.maxTs - (appended.maxTs % tier.ms);
      const d = this.dirty.get(tier.id);
      this.dirty.set(tier.id, d ? { rows: d.rows + rows, lo: Math.min(d.lo, lo), hi: Math.max(d.hi, hi) } : { rows, lo, hi });
    }
  }

  /** True when some tier has enough unmerged rows to be worth a look (`all`: any unmerged row at all). */
  wants(all = false): boolean {
    const min = all ? 1 : (this.options.minDirtyRows ?? 50_000);
    return [...this.dirty.values()].some((d) => d.rows >= min);
  }

  /**
   * Merges tiers whose unmerged rows are at least half the rows in their dirty slot range (or, with `all`,
   * every tier with any), so the work done stays proportional to the rows appended. Run it on the writer.
   */
  async compact(all = false): Promise<void> {
    for (const [tier, d] of this.dirty) {
      if (!all && d.rows < (this.options.minDirtyRows ?? 50_000)) continue;
      const table = rollupTable(tier);
      const range = `slot BETWEEN ${d.lo} AND ${d.hi}`;
      const total = Number((await this.conn.runAndReadAll(`SELECT count(*)::BIGINT FROM ${table} WHERE ${range}`)).getRowsJS()[0][0]);
      if (!all && d.rows * 2 < total) continue;
      const started = performance.now();
            await this.conn.run('BEGIN');
      try {
        await this.conn.run(`CREATE OR REPLACE TEMP TABLE merged AS SELECT slot, dims_id, ${SUMMED_BASE_SUMS} FROM ${table} WHERE ${range} GROUP BY ALL`);
        await this.conn.run(`DELETE FROM ${table} WHERE ${range}`);
        const merged = await this.conn.run(`INSERT INTO ${table} SELECT * FROM merged ORDER BY slot, dims_id`);
        await this.conn.run('COMMIT');
        this.dirty.delete(tier);
        this.logger.debug({ tier, before: total, after: Number(merged.rowsChanged), ms: Math.round(performance.now() - started) }, 'duckdb rollup merged');
      } catch (err) {
        await this.conn.run('ROLLBACK').catch(() => {});
        this.logger.warn({ err, tier }, 'duckdb rollup merge failed; will retry');
        return;
      } finally {
        await this.conn.run('DROP TABLE IF EXISTS merged').catch(() => {});
      }
    }
  }
}
