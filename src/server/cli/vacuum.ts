/** `tokenscope vacuum`: gives a DuckDB file's free space back to the disk by rewriting it (no server may hold it). */
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { compactDuckDBFile, type CompactionResult } from '../storage/duckdb/duckdb-compact-file';
import { formatNumber } from './format';

export function registerVacuum(program: Command): void {
  program
    .command('vacuum')
    .description('rewrite the DuckDB file without the space that deleted rows left free (stop the server first); the original stays until the copy is complete')
    .option('--db <file>', 'DuckDB file (TOKENSCOPE_DB, default ./data/tokenscope.duckdb)')
    .action(async (options: { db?: string }) => {
      const config = loadConfig(process.env, { TOKENSCOPE_DB: options.db });
      if (config.store !== 'duckdb') throw new Error('vacuum rewrites the DuckDB file; ClickHouse gives space back itself by dropping whole partitions');
      const started = performance.now();
      const result = await compactDuckDBFile(config.db, { memoryLimit: config.duckdbMemoryLimit, threads: config.duckdbThreads });
      console.log(formatVacuum(config.db, result, performance.now() - started));
    });
}

const mib = (bytes: number) => `${formatNumber(bytes / 1048576, 1)} MiB`;

export function formatVacuum(file: string, result: CompactionResult, ms: number): string {
  const saved = result.bytesBefore > 0 ? Math.round((1 - result.bytesAfter / result.bytesBefore) * 100) : 0;
  const change = saved > 0 ? `${saved}% smaller` : 'no free space to give back';
  return `${file}: ${mib(result.bytesBefore)} → ${mib(result.bytesAfter)} (${change}); ${formatNumber(result.rows)} rows in ${result.tables} tables copied and checked in ${formatNumber(ms / 1000, 1)} s`;
}
