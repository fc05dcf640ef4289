/** DuckDB tables: raw events, the dimension registry and one append-only rollup table per tier. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { BASE_SUMS } from '../../../shared';
import { TIERS, type TierId } from '../engine';

/** Version of the on-disk layout; a database written by a newer version is refused. */
export const DUCKDB_SCHEMA_VERSION = 1;

/** Rollup tiers (every tier but raw) and their tables. */
export const ROLLUP_TIERS = TIERS.filter((t) => t.id !== 'raw');

export function rollupTable(tier: Exclude<TierId, 'raw'>): string {
  return `rollup_${tier}`;
}


/** `sum(c)::BIGINT AS c` for every base sum: merging rollup rows. */
export const SUMMED_BASE_SUMS = BASE_SUMS.map((c) => `sum(${c})::BIGINT AS ${c}`).join(', ');

/** A rollup row: a slot, a dims id and every base sum. */
const rollupDdl = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  slot BIGINT NOT NULL,
  dims_id INTEGER NOT NULL,
  ${BASE_SUMS.map((c) => `${c} BIGINT NOT NULL`).join(',\n  ')}
)`;

/** Creates missing tables and checks the layout version. Idempotent. */
export async function migrateDuckDB(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`);
  const found = (await conn.runAndReadAll(`SELECT value FROM meta WHERE key = 'schema_version'`)).getRowsJS();
  const version = found.length ? Number(found[0][0]) : 0;
  if (version > DUCKDB_SCHEMA_VERSION) {
    throw new Error(`the database was written by a newer Tokenscope (layout ${version}; this version reads up to ${DUCKDB_SCHEMA_VERSION})`);
  }
  await conn.run('BEGIN');
  // Dimension values are stored once; events and rollups refer to them by a small integer id.
  await conn.run(`CREATE TABLE IF NOT EXISTS dims (
    id INTEGER PRIMARY KEY,
    service VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    model_type VARCHAR NOT NULL,
    api_key VARCHAR NOT NULL,
    api_key_label VARCHAR NOT NULL
  )`);
  // No index: DuckDB's ART indexes slow bulk appends as they grow. Duplicate ids are found by a join
  // limited to the batch's time window, which the row groups' min/max statistics keep cheap.
  await conn.run(`CREATE TABLE IF NOT EXISTS events (
    ts BIGINT NOT NULL,
    dims_id INTEGER NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cache_read_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    duration_ms BIGINT,
    id VARCHAR
  )`);
  for (const tier of ROLLUP_TIERS) await conn.run(rollupDdl(rollupTable(tier.id)));
  await conn.run(`INSERT OR REPLACE INTO meta VALUES ('schema_version', '${DUCKDB_SCHEMA_VERSION}')`);
  await conn.run('COMMIT');
}

/** The writer connection's staging table; temporary, so never durable and never shared. */
export const STAGING_DDL = `CREATE OR REPLACE TEMP TABLE staging (
  req INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  ts DOUBLE NOT NULL,
  dims_id INTEGER NOT NULL,
  input_tokens DOUBLE NOT NULL,
  output_tokens DOUBLE NOT NULL,
  cache_read_tokens DOUBLE NOT NULL,
  cache_write_tokens DOUBLE NOT NULL,
  duration_ms DOUBLE,
  id VARCHAR
)`;
