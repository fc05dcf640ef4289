/** Picks the storage engine once, at start, from configuration. */
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Store } from './engine';
import { openClickHouseStore } from './clickhouse/clickhouse-store';
import { isClickHouseUrl, parseClickHouseUrl } from './clickhouse/clickhouse-url';
import { openDuckDBStore } from './duckdb/duckdb-store';

export async function openStore(
  config: Pick<Config, 'store' | 'db' | 'queryMaxRows' | 'queryTimeoutMs'> &
    Partial<Pick<Config, 'retention' | 'duckdbMemoryLimit' | 'duckdbCheckpointThreshold' | 'duckdbThreads' | 'duckdbIdIndexBytes' | 'duckdbVacuumAt'>>,
  logger: Logger,
): Promise<Store> {
  const queryLimits = { maxRows: config.queryMaxRows, timeoutMs: config.queryTimeoutMs };
  if (config.store === 'duckdb') {
    return openDuckDBStore({
      path: config.db,
      logger: logger.child({ engine: 'duckdb' }),
      queryLimits,
      retention: config.retention,
      memoryLimit: config.duckdbMemoryLimit,
      checkpointThreshold: config.duckdbCheckpointThreshold,
      threads: config.duckdbThreads,
      idIndexBytes: config.duckdbIdIndexBytes,
      vacuumAtDeletedShare: config.duckdbVacuumAt,
    });
  }
  if (isClickHouseUrl(config.store)) {
    return openClickHouseStore({
      location: parseClickHouseUrl(config.store),
      logger: logger.child({ engine: 'clickhouse' }),
      queryLimits,
      retention: config.retention,
    });
  }
  // The value itself is not repeated: a mistyped URL may hold a password.
  throw new Error(`unknown TOKENSCOPE_STORE; use 'duckdb' or a ClickHouse URL such as clickhouse://user:password@host:8123/db`);
}
