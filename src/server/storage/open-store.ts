/** Picks the storage engine once, at start, from configuration. */
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Store } from './engine';
import { openDuckDBStore } from './duckdb/duckdb-store';

export async function openStore(config: Pick<Config, 'store' | 'db'>, logger: Logger): Promise<Store> {
  if (config.store === 'duckdb') return openDuckDBStore({ path: config.db, logger: logger.child({ engine: 'duckdb' }) });
  throw new Error(`unknown TOKENSCOPE_STORE '${config.store}'; use 'duckdb'`);
}
