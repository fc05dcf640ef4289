/** DuckDB tables: raw events, the dimension registry and one append-only rollup table per tier. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { BASE_SUMS } from '../../../shared';
import { TIERS, type TierId } from '../engine';

/**
 * Version of the on-disk layout; a database written by a newer version is refused. Layout 4 added the 5-minute
 * rollup tier (an older version would leave it behind as it writes); layout 5 each event's total tokens (an older
 * version would write no total).
 */
export const DUCKDB_SCHEMA_VERSION = 5;

/** Rollup tiers (every tier but raw) and their tables. */
export const ROLLUP_TIERS = TIERS.filter((t) => t.id !== 'raw');

export function rollupTable(tier: Exclude<TierId, 'raw'>): string {
  return `rollup_${tier}`;
}

/** A rollup table's columns, in the order every insert names them. */
export const ROLLUP_COLUMNS = ['slot', 'dims_id', ...BASE_SUMS].join(', ');

/** `sum(c)::BIGINT AS c` for every base sum: merging rollup rows. */
export const SUMMED_BASE_SUMS = BASE_SUMS.map((c) => `sum(${c})::BIGINT AS ${c}`).join(', ');

/** A rollup row: a slot, a dims id and every base sum. */
const rollupDdl = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  slot BIGINT NOT NULL,
  dims_id INTEGER NOT NULL,
  ${BASE_SUMS.map((c) => `${c} BIGINT NOT NULL`).join(',\n  ')}
)`;

/** A column; `fill`, when given, is what rows written before the column existed get instead of the default. */
interface Column {
  name: string;
  type: string;
  fill?: string;
}

/** Rows from before layout 3 were never priced: every token of them is unpriced. */
const UNPRICED_FILL = 'input_tokens + output_tokens';

/**
 * The raw events table's columns. Columns added by a later layout come last and carry a default, so an older
 * database gains them in place (its rows read the default) and every insert names its columns.
 */
const EVENT_COLUMNS: readonly Column[] = [
  { name: 'ts', type: 'BIGINT NOT NULL' },
  { name: 'dims_id', type: 'INTEGER NOT NULL' },
  { name: 'input_tokens', type: 'BIGINT NOT NULL' },
  { name: 'output_tokens', type: 'BIGINT NOT NULL' },
  { name: 'cache_read_tokens', type: 'BIGINT NOT NULL' },
  { name: 'cache_write_tokens', type: 'BIGINT NOT NULL' },
  { name: 'duration_ms', type: 'BIGINT' },
  { name: 'id', type: 'VARCHAR' },
  // Layout 2.
  { name: 'reasoning_tokens', type: 'BIGINT NOT NULL DEFAULT 0' },
  { name: 'trace_id', type: 'VARCHAR' },
  { name: 'span_id', type: 'VARCHAR' },
  // Layout 3: what the call cost, in micro-units of the reporting currency. Older calls were never priced, so
  // all their tokens read as unpriced (until `tokenscope reprice` prices them).
  { name: 'input_cost_micros', type: 'BIGINT NOT NULL DEFAULT 0' },
  { name: 'cache_read_cost_micros', type: 'BIGINT NOT NULL DEFAULT 0' },
  { name: 'cache_write_cost_micros', type: 'BIGINT NOT NULL DEFAULT 0' },
  { name: 'output_cost_micros', type: 'BIGINT NOT NULL DEFAULT 0' },
  /** Null when the source gave no cost. */
  { name: 'given_cost_micros', type: 'BIGINT' },
  { name: 'unpriced_tokens', type: 'BIGINT NOT NULL DEFAULT 0', fill: UNPRICED_FILL },
  // Layout 5: input + output, stored so that the largest calls by total tokens are found from the row groups'
  // min/max statistics: a row group whose largest total is below the running top-N's threshold is skipped unread.
  { name: 'total_tokens', type: 'BIGINT NOT NULL DEFAULT 0', fill: 'input_tokens + output_tokens' },
];

/** The columns every rollup row has; a base sum added later reads 0 in older rows. */
const ROLLUP_TABLE_COLUMNS: readonly Column[] = [
  { name: 'slot', type: 'BIGINT NOT NULL' },
  { name: 'dims_id', type: 'INTEGER NOT NULL' },
  ...BASE_SUMS.map((c) => ({ name: c, type: 'BIGINT NOT NULL DEFAULT 0', ...(c === 'unpriced_tokens' ? { fill: UNPRICED_FILL } : {}) })),
];

/** Adds the columns a table written by an older layout lacks. */
async function addMissingColumns(conn: DuckDBConnection, table: string, columns: readonly Column[]): Promise<void> {
  const found = (await conn.runAndReadAll(`SELECT column_name FROM duckdb_columns() WHERE table_name = '${table}' AND schema_name = 'main'`)).getRowsJS();
  const have = new Set(found.map((r) => String(r[0])));
  // DuckDB adds no column with a constraint; the default fills the existing rows, and every insert gives a value.
  for (const c of columns) {
    if (have.has(c.name)) continue;
    await conn.run(`ALTER TABLE ${table} ADD COLUMN ${c.name} ${c.type.replace(' NOT NULL', '')}`);
    if (c.fill) await conn.run(`UPDATE ${table} SET ${c.name} = ${c.fill}`);
  }
}

/** Sums a tier's rows from the finer tier below it: every slot of the finer tier lies inside one of the tier's. */
async function fillTier(conn: DuckDBConnection, tier: (typeof ROLLUP_TIERS)[number], below: (typeof ROLLUP_TIERS)[number]): Promise<void> {
  await conn.run(`INSERT INTO ${rollupTable(tier.id)} (${ROLLUP_COLUMNS})
    SELECT slot - slot % ${tier.ms} AS slot, dims_id, ${SUMMED_BASE_SUMS} FROM ${rollupTable(below.id)} GROUP BY ALL ORDER BY slot`);
}

/** Creates missing tables (filling a tier added since from the one below) and checks the layout version. Idempotent. */
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
  // No index: DuckDB's ART indexes slow bulk appends as they grow. Resent ids are found by the writer's id index
  // (stored-id-index.ts), and only its matches by a join limited to their time window.
  await conn.run(`CREATE TABLE IF NOT EXISTS events (${EVENT_COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ')})`);
  await addMissingColumns(conn, 'events', EVENT_COLUMNS);
  const tables = new Set((await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'`)).getRowsJS().map((r) => String(r[0])));
  for (const [i, tier] of ROLLUP_TIERS.entries()) {
    const table = rollupTable(tier.id);
    await conn.run(rollupDdl(table));
    await addMissingColumns(conn, table, ROLLUP_TABLE_COLUMNS);
    // A tier added by a later layout (5m, layout 4) is filled from the tier below it, in the same transaction, so
    // it holds every slot the planner may read it for (retention keeps it as long as that tier).
    if (version > 0 && !tables.has(table) && i > 0) await fillTier(conn, tier, ROLLUP_TIERS[i - 1]);
  }
  await conn.run(`INSERT OR REPLACE INTO meta VALUES ('schema_version', '${DUCKDB_SCHEMA_VERSION}')`);
  await conn.run('COMMIT');
}

/** The writer connection's table of ids to look for among the stored events; temporary, so never durable and never shared. */
export const SUSPECTS_DDL = `CREATE OR REPLACE TEMP TABLE suspects (row INTEGER NOT NULL, id VARCHAR NOT NULL, ts BIGINT NOT NULL)`;
