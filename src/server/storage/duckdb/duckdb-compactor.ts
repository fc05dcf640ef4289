/**
 * Rollup compaction. Each commit appends partial sums to the rollup tables (appends are what DuckDB does
 * fast; scattered updates are not), so a slot may hold several rows for one dims id until they are merged
 * here. Queries sum rows anyway, so compaction changes only speed, never answers.
 *
 * Rows only repeat where commits overlap in time: time-ordered ingest appends the 1-minute tier almost
 * without repeats but the day tier over and over. So the compactor estimates, per tier, how many appended
 * rows fall on slots that earlier commits already touched, to know when to look; it then counts the rows that
 * do repeat a (slot, dims id) and merges a tier only when that is worth it (events spread over a day touch every
 * minute slot, yet with many dims ids few of their rows repeat one: merging such a tier under the load run took
 * 6.3 of 60 seconds to save a third of its rows).
 *
 * Merges run on the compactor's own connection: a merge sums, deletes and re-inserts the rows of its snapshot, and
 * rows committed after that snapshot are neither summed nor deleted (DuckDB's appends never conflict). So a merge
 * started when the writer is idle runs beside whatever commits come; while ingest goes on, the store runs merges as
 * writer tasks instead (see duckdb-store.ts), which leaves the cores to them and the queries.
 *
 * A tier's range is merged in pieces of about MERGE_PIECE_ROWS rows, each its own transaction: a merge holds its
 * rows in DuckDB's memory three times (summed, sorted, inserted) until it commits, and a day of a busy 1-minute tier
 * merged in one go (450,000 rows) took 150 MiB.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { TierId } from '../engine';
import type { AppendedRollups } from './duckdb-writer';
import { ROLLUP_COLUMNS, ROLLUP_TIERS, SUMMED_BASE_SUMS, rollupTable } from './duckdb-schema';

type RollupTier = Exclude<TierId, 'raw'>;

/** Rows of a tier merged in one transaction, at most (a single slot with more is merged whole). */
export const MERGE_PIECE_ROWS = 50_000;

/** Estimated repeated rows in a tier before its repeats are counted (and it may be merged) while ingest goes on. */
export const MIN_REPEATED_ROWS = 50_000;

/** Rows read per row a merge must save: half of them while ingest goes on, a tenth when idle. */
const mergeShare = (idle: boolean) => (idle ? 10 : 2);

/** Slots touched since the last merge of a tier, as sorted disjoint [lo, hi] slot-start intervals. */
interface Dirty {
  intervals: [number, number][];
  /** Estimated rows that repeat a (slot, dims id) already in the table. */
  repeats: number;
  /**
   * Rows in the range when a count last found too few repeats to merge: the tier is counted again only once the
   * estimate reaches the share of them a merge needs (a count of a busy 1-minute tier reads a day of its rows).
   */
  counted?: number;
}

export interface DuckDBCompactorOptions {
  /** Default MIN_REPEATED_ROWS. */
  minRepeatedRows?: number;
  /** Rows merged in one transaction; default MERGE_PIECE_ROWS. */
  pieceRows?: number;
}

export class DuckDBCompactor {
  private readonly dirty = new Map<RollupTier, Dirty>();
  private running: Promise<void> | null = null;
  /** While ingest goes on, no merge pass starts before this time (ms, performance.now()); see `start`. */
  private restUntil = 0;
  /** Maintenance under way that deletes rollup rows; no merge starts meanwhile. */
  private pauses = 0;
  private stopped = false;

  /** `conn`: the compactor's own connection, used by nothing else. */
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly logger: Logger,
    private readonly options: DuckDBCompactorOptions = {},
  ) {}

  /**
   * Starts merging in the background (see `compact`) unless a merge is under way, paused or stopped. While ingest goes
   * on (not `idle`), a pass starts no sooner after the last one ended than that one took: merges, which then hold the
   * writer, take at most half of the time, and ingest keeps the rest.
   */
  start(idle = false): void {
    if (this.running || this.pauses > 0 || this.stopped || (!idle && performance.now() < this.restUntil)) return;
    const started = performance.now();
    // A merge that fails is retried later; its error must not end the process as an unhandled rejection.
    this.running = this.compact(idle)
      .catch((err) => this.logger.warn({ err }, 'duckdb rollup merge failed; will retry'))
      .finally(() => {
        this.running = null;
        this.restUntil = 2 * performance.now() - started;
      });
  }

  /** Starts merging as `start` does while ingest goes on, and resolves once that merge, or the one under way, has ended. */
  async merge(): Promise<void> {
    this.start();
    await this.running;
  }

  /**
   * Runs `work` with no merge under way: maintenance that deletes rollup rows (retention) would conflict with one,
   * and one that rewrites the file (vacuum) must see it finished.
   */
  async whilePaused<T>(work: () => Promise<T>): Promise<T> {
    this.pauses++;
    try {
      await this.running;
      return await work();
    } finally {
      this.pauses--;
    }
  }

  /** Waits for the merge under way and starts no other (before the connection closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Finds slots left unmerged by an earlier run (e.g. one that was killed), counting each row that repeats a (slot, dims id). */
  async scan(): Promise<void> {
    for (const tier of ROLLUP_TIERS) {
      const [row] = (
        await this.conn.runAndReadAll(
          `SELECT coalesce(sum(n - 1), 0)::BIGINT, min(slot), max(slot) FROM (SELECT slot, count(*) AS n FROM ${rollupTable(tier.id)} GROUP BY slot, dims_id HAVING count(*) > 1)`,
        )
      ).getRowsJS();
      const repeats = Number(row[0]);
      if (repeats > 0) this.dirty.set(tier.id, { intervals: [[Number(row[1]), Number(row[2])]], repeats });
    }
  }

  /** Records what a commit appended. */
  note(appended: AppendedRollups): void {
    for (const tier of ROLLUP_TIERS) {
      const rows = appended.rows.get(tier.id) ?? 0;
      if (rows === 0) continue;
      const lo = appended.minTs - (appended.minTs % tier.ms);
      const hi = appended.maxTs - (appended.maxTs % tier.ms);
      const d = this.dirty.get(tier.id) ?? { intervals: [], repeats: 0 };
      // Rows are assumed spread evenly over the commit's slots; those on slots touched before may repeat.
      const slots = (hi - lo) / tier.ms + 1;
      const seen = d.intervals.reduce((n, [a, b]) => n + Math.max(0, (Math.min(b, hi) - Math.max(a, lo)) / tier.ms + 1), 0);
      d.repeats += (rows * Math.min(seen, slots)) / slots;
      d.intervals = addInterval(d.intervals, lo, hi);
      this.dirty.set(tier.id, d);
    }
  }

  /** True when some tier may have enough repeated rows to merge (`idle`: the rules for a merge at rest). */
  wants(idle = false): boolean {
    return [...this.dirty.values()].some((d) => this.mayMerge(d, idle));
  }

  /**
   * Whether a tier's estimated repeats call for a count: many of them while ingest goes on (any when idle), and after
   * a count that found too few, the share of the rows counted that a merge needs.
   */
  private mayMerge(d: Dirty, idle: boolean): boolean {
    const minRepeats = idle ? 1 : (this.options.minRepeatedRows ?? MIN_REPEATED_ROWS);
    return d.repeats >= Math.max(minRepeats, (d.counted ?? 0) / mergeShare(idle));
  }

  /**
   * Merges the dirty slot range of tiers whose counted repeated rows are at least half the rows there while ingest goes
   * on (and only once the estimate says there are many), so the work stays proportional to what it saves; when idle, at least a tenth: a
   * merge at rest is paid once and every query after it reads fewer rows (a random-order load left the hour tier at
   * 1.8 rows per (slot, dims id) under the half rule). Tiers whose slots no commit repeated are only forgotten.
   * Returns early when paused or stopped between tiers.
   */
  private async compact(idle: boolean): Promise<void> {
    for (const [tier, d] of [...this.dirty]) {
      if (this.pauses > 0 || this.stopped) return;
      if (d.repeats < 1) {
        this.dirty.delete(tier);
        continue;
      }
      if (!this.mayMerge(d, idle)) continue;
      const table = rollupTable(tier);
      const started = performance.now();
      // Commits noted from here on go to a new record: they may land after the merge's snapshots.
      this.dirty.delete(tier);
      try {
        const slots = (
          await this.conn.runAndReadAll(
            `SELECT slot, count(*)::BIGINT, count(DISTINCT dims_id)::BIGINT FROM ${table} WHERE slot BETWEEN ${d.intervals[0][0]} AND ${d.intervals[d.intervals.length - 1][1]} GROUP BY slot ORDER BY slot`,
          )
        ).getRowsJS();
        const total = slots.reduce((n, r) => n + Number(r[1]), 0);
        // The rows a merge would save, counted: the estimate assumes every row on a touched slot repeats one.
        const repeats = slots.reduce((n, r) => n + Number(r[1]) - Number(r[2]), 0);
        if (repeats * mergeShare(idle) < total) {
          this.restore(tier, { ...d, repeats, counted: total });
          this.logger.debug({ tier, rows: total, repeats, ms: Math.round(performance.now() - started) }, 'duckdb rollup merge not worth it');
          continue;
        }
        let after = 0;
        const ranges = mergeRanges(slots, this.options.pieceRows ?? MERGE_PIECE_ROWS);
        for (const [lo, hi] of ranges) {
          if (this.pauses > 0 || this.stopped) {
            // What is left of the range is merged by a later pass.
            this.restore(tier, { intervals: [[lo, d.intervals[d.intervals.length - 1][1]]], repeats: d.repeats });
            return;
          }
          after += await this.mergeSlots(table, lo, hi);
        }
        this.logger.debug({ tier, before: total, after, pieces: ranges.length, ms: Math.round(performance.now() - started) }, 'duckdb rollup merged');
      } catch (err) {
        this.restore(tier, d);
        this.logger.warn({ err, tier }, 'duckdb rollup merge failed; will retry');
        return;
      }
    }
  }

  /** Merges the rows of slots lo to hi (inclusive) in one transaction; returns the rows left. */
  private async mergeSlots(table: string, lo: number, hi: number): Promise<number> {
    const range = `slot BETWEEN ${lo} AND ${hi}`;
    await this.conn.run('BEGIN');
    try {
      await this.conn.run(`CREATE OR REPLACE TEMP TABLE merged AS SELECT slot, dims_id, ${SUMMED_BASE_SUMS} FROM ${table} WHERE ${range} GROUP BY ALL`);
      await this.conn.run(`DELETE FROM ${table} WHERE ${range}`);
      const merged = await this.conn.run(`INSERT INTO ${table} (${ROLLUP_COLUMNS}) SELECT ${ROLLUP_COLUMNS} FROM merged ORDER BY slot, dims_id`);
      await this.conn.run('COMMIT');
      return Number(merged.rowsChanged);
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      await this.conn.run('DROP TABLE IF EXISTS merged').catch(() => {});
    }
  }

  /** Puts back what a merge that did not happen had taken, beside what commits noted meanwhile. */
  private restore(tier: RollupTier, taken: Dirty): void {
    const d = this.dirty.get(tier) ?? { intervals: [], repeats: 0 };
    for (const [lo, hi] of taken.intervals) d.intervals = addInterval(d.intervals, lo, hi);
    d.repeats += taken.repeats;
    if (taken.counted !== undefined) d.counted = Math.max(d.counted ?? 0, taken.counted);
    this.dirty.set(tier, d);
  }
}

/**
 * Cuts sorted (slot, rows) pairs into inclusive slot ranges of at most `maxRows` rows each (a slot with more stands
 * alone), which together cover every slot from the first to the last.
 */
export function mergeRanges(slots: readonly (readonly unknown[])[], maxRows: number): [number, number][] {
  const out: [number, number][] = [];
  let rows = 0;
  for (const [slot, n] of slots) {
    const at = Number(slot);
    if (out.length === 0 || rows + Number(n) > maxRows) {
      if (out.length > 0) out[out.length - 1][1] = at - 1;
      out.push([at, at]);
      rows = 0;
    }
    rows += Number(n);
    out[out.length - 1][1] = at;
  }
  return out;
}

/** Adds [lo, hi] to sorted disjoint intervals, merging what touches. */
function addInterval(intervals: [number, number][], lo: number, hi: number): [number, number][] {
  const out: [number, number][] = [];
  let [a, b] = [lo, hi];
  for (const [x, y] of intervals) {
    if (y < a || x > b) out.push([x, y]);
    else [a, b] = [Math.min(a, x), Math.max(b, y)];
  }
  out.push([a, b]);
  return out.sort((p, q) => p[0] - q[0]);
}
