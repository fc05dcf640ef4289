/** The settings a DuckDB instance opens with: memory limit, checkpoint threshold, worker threads, no late materialization. */

/**
 * DuckDB's memory limit (its buffer pool: cached blocks, data written since the last checkpoint, query working
 * memory), which a long load fills with cached blocks. Past it DuckDB spills to a temporary folder next to the file.
 * 128MB with 128MB checkpoints once failed a dashboard query under load (no block could be pinned); with 32MB
 * checkpoints and rollup merges in pieces it served the load run without an error, 15–45 MiB under 192MB's peak (two runs each),
 * and at 100M events the heaviest refresh (Usage Trend) took about an eighth longer than with 192MB.
 */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = '128MB';

/**
 * Write-ahead log size that triggers a checkpoint. Rows written since the last checkpoint stay in DuckDB's memory
 * (about 1.6 times the log while ingesting), so this bounds that part of it: at 128MB they reached 230 MiB, at 32MB
 * 140 MiB, for the same CPU time over a 1M-event ingest. DuckDB's own default, 16MB, cost about a third of ingest time.
 */
export const DEFAULT_CHECKPOINT_THRESHOLD = '32MB';

export interface DuckDBSettingsOptions {
  /** Default DEFAULT_DUCKDB_MEMORY_LIMIT. */
  memoryLimit?: string;
  /** Default DEFAULT_CHECKPOINT_THRESHOLD. */
  checkpointThreshold?: string;
  /** DuckDB's worker threads; default (null) one per core. */
  threads?: number | null;
}

/** The options as DuckDB's configuration, for `DuckDBInstance.create`. */
export function duckdbSettings(options: DuckDBSettingsOptions): Record<string, string> {
  const settings: Record<string, string> = {
    checkpoint_threshold: options.checkpointThreshold ?? DEFAULT_CHECKPOINT_THRESHOLD,
    memory_limit: options.memoryLimit ?? DEFAULT_DUCKDB_MEMORY_LIMIT,
    // No late materialization: for a small LIMIT DuckDB rewrites a top-N over a table into a top-N of row ids
    // joined back to the table, and that second scan lacks the time range; for the largest calls' threshold and
    // candidates (two or three narrow columns) it doubled the time at 100M events.
    late_materialization_max_rows: '0',
  };
  if (options.threads) settings.threads = String(options.threads);
  return settings;
}
