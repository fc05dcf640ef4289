/**
 * ClickHouse tables: raw events (MergeTree; duplicates removed when read) and one rollup table per tier
 * (ReplacingMergeTree by a version that only grows with what the row has seen). With a cluster, each is a
 * local table on every node plus a Distributed table over them. Created and checked on start, idempotently.
 */
import { BASE_SUMS } from '../../../shared';
import { TIERS, type TierId } from '../engine';
import type { ClickHouseConnection } from './clickhouse-client';
import { quoteIdentifier, quoteString } from './clickhouse-sql';

/** Version of the table layout; a database written by a newer version is refused. */
export const CLICKHOUSE_SCHEMA_VERSION = 4;

export type RollupTierId = Exclude<TierId, 'raw'>;
/** Rollup tiers, finest first, each with the tier it is summed from. */
export const ROLLUP_TIERS = TIERS.filter((t) => t.id !== 'raw').map((t, i, all) => ({
  id: t.id as RollupTierId,
  ms: t.ms,
  source: (i === 0 ? 'raw' : all[i - 1].id) as TierId,
}));

/**
 * Rollup tiers added by a later layout, with that layout: a database from before it gets the table empty and
 * fills it from the tier below at start (`fillAddedTiers`), before the layout version is recorded.
 */
export const TIERS_ADDED_IN_LAYOUT: Partial<Record<RollupTierId, number>> = { '5m': 4 };

/** The dimension columns. */
export const DIMS = ['service', 'model', 'model_type', 'api_key'] as const;
export type Dim = (typeof DIMS)[number];
/**
 * One 64-bit key for a combination of dimension values: with the slot it identifies a rollup row, and
 * grouping by it is much cheaper than grouping by four strings. Computed by ClickHouse, so the same everywhere.
 */
export const DIMS_KEY = `cityHash64(${DIMS.join(', ')})`;

/** Partitions of 30 days: few enough parts per partition, and independent of any server's time zone. */
export const PARTITION_MS = 30 * 86_400_000;

/** Where the tables live, and how statements name them. */
export class ClickHouseLayout {
  constructor(
    readonly database: string,
    readonly cluster: string | null,
  ) {}

  /** The table statements read and write: the Distributed table with a cluster, else the table itself. */
  table(name: LogicalTable): string {
    return `${quoteIdentifier(this.database)}.${quoteIdentifier(name)}`;
  }

  /** The table that holds the rows on a node. */
  localTable(name: LogicalTable): string {
    return `${quoteIdentifier(this.database)}.${quoteIdentifier(this.cluster ? `${name}_local` : name)}`;
  }

  /** Settings for writes: with Distributed tables, an insert returns only once every shard has its rows. */
  get writeSettings(): Record<string, number> {
    return this.cluster ? { insert_distributed_sync: 1 } : {};
  }
}

export type LogicalTable = 'events' | `rollup_${RollupTierId}`;
export const rollupTable = (tier: RollupTierId): LogicalTable => `rollup_${tier}`;

/** A column and its type; columns added by a later layout carry a default, so older tables gain them in place. */
type Column = readonly [name: string, type: string];

/** Rows written before layout 3 were never priced: every token of them reads as unpriced. */
const UNPRICED_DEFAULT = 'input_tokens + output_tokens';

/**
 * Raw event columns. `trace_id` and `span_id` are '' when the event had none; `reasoning_tokens`, `trace_id` and
 * `span_id` came with layout 2.
 */
const EVENTS_COLUMNS: readonly Column[] = [
  ['ts', 'Int64'],
  ['event_key', 'UInt64'],
  ['id', 'String'],
  ['service', 'String'],
  ['model', 'String'],
  ['model_type', 'String'],
  ['api_key', 'String'],
  ['api_key_label', 'String'],
  ['input_tokens', 'UInt64'],
  ['output_tokens', 'UInt64'],
  ['cache_read_tokens', 'UInt64'],
  ['cache_write_tokens', 'UInt64'],
  ['duration_ms', 'Int64'],
  ['reasoning_tokens', 'UInt64 DEFAULT 0'],
  ['trace_id', "String DEFAULT ''"],
  ['span_id', "String DEFAULT ''"],
  // Layout 3: what the call cost, in micro-units of the reporting currency; `given_cost_micros` is -1 when the
  // source gave none. Rows from before were never priced, so all their tokens read as unpriced.
  ['input_cost_micros', 'UInt64 DEFAULT 0'],
  ['cache_read_cost_micros', 'UInt64 DEFAULT 0'],
  ['cache_write_cost_micros', 'UInt64 DEFAULT 0'],
  ['output_cost_micros', 'UInt64 DEFAULT 0'],
  ['given_cost_micros', 'Int64 DEFAULT -1'],
  ['unpriced_tokens', `UInt64 DEFAULT ${UNPRICED_DEFAULT}`],
];

const ROLLUP_COLUMNS: readonly Column[] = [
  ['slot', 'Int64'],
  ['dims_key', 'UInt64'],
  ...DIMS.map((d): Column => [d, 'String']),
  ['api_key_label', 'String'],
  ...BASE_SUMS.map((c): Column => [c, `UInt64 DEFAULT ${c === 'unpriced_tokens' ? UNPRICED_DEFAULT : '0'}`]),
  ['version', 'UInt64'],
];

const columnsDdl = (columns: readonly Column[]) => columns.map(([name, type]) => `\n  ${name} ${type}`).join(',');

/**
 * Raw events. `event_key` is a hash of the event's id (random for events without one); an event sent twice
 * to two replicas at once is stored twice with the same (ts, event_key, dims) and counted once when read.
 * `id` is '' when the event had none (ids are never empty); `duration_ms` is -1 when the event had none.
 */
const eventsEngine = `MergeTree PARTITION BY intDiv(ts, ${PARTITION_MS}) ORDER BY (ts, event_key)`;
/** Rollups: the row with the highest version per (slot, dims_key) is the true one; merges drop the rest. */
const rollupEngine = `ReplacingMergeTree(version) PARTITION BY intDiv(slot, ${PARTITION_MS}) ORDER BY (slot, dims_key)`;

/** Sharding: raw events spread by their key; a rollup row always goes to the same shard, so merges replace it. */
const SHARDING: Record<LogicalTable, string> = {
  events: 'event_key',
  ...Object.fromEntries(ROLLUP_TIERS.map((t) => [rollupTable(t.id), 'cityHash64(slot, dims_key)'])),
} as Record<LogicalTable, string>;

const TABLES: readonly [LogicalTable, readonly Column[], string][] = [
  ['events', EVENTS_COLUMNS, eventsEngine],
  ...ROLLUP_TIERS.map((t): [LogicalTable, readonly Column[], string] => [rollupTable(t.id), ROLLUP_COLUMNS, rollupEngine]),
];

function tableDdl(layout: ClickHouseLayout): { local: string[]; distributed: string[] } {
  const tables = TABLES;
  const local = tables.map(([name, columns, engine]) => `CREATE TABLE IF NOT EXISTS ${layout.localTable(name)} (${columnsDdl(columns)}\n) ENGINE = ${engine}`);
  const distributed = layout.cluster
    ? tables.map(
        ([name]) =>
          `CREATE TABLE IF NOT EXISTS ${layout.table(name)} AS ${layout.localTable(name)} ENGINE = Distributed(${quoteString(layout.cluster!)}, ${quoteString(layout.database)}, ${quoteString(`${name}_local`)}, ${SHARDING[name]})`,
      )
    : [];
  return { local, distributed };
}

const metaTable = (layout: ClickHouseLayout) => `${quoteIdentifier(layout.database)}.${quoteIdentifier('tokenscope_meta')}`;

/** Two processes may create the same table at once; the loser's "already exists" is not a failure. */
async function ensure(conn: ClickHouseConnection, sql: string): Promise<void> {
  try {
    await conn.execute(sql);
  } catch (err) {
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
}

/**
 * Creates what is missing on one node and checks the layout version there; returns the version found (0 for a new
 * database). Idempotent. The new version is recorded by `recordLayout`, once added tiers are filled.
 */
export async function migrateNode(conn: ClickHouseConnection, layout: ClickHouseLayout): Promise<number> {
  await ensure(conn, `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(layout.database)}`);
  await ensure(
    conn,
    `CREATE TABLE IF NOT EXISTS ${metaTable(layout)} (key String, value String, written UInt64) ENGINE = ReplacingMergeTree(written) ORDER BY key`,
  );
  const rows = await conn.select<{ value: string }>(
    `SELECT argMax(value, written) AS value FROM ${metaTable(layout)} WHERE key = 'schema_version' GROUP BY key`,
  );
  const version = rows.length ? Number(rows[0].value) : 0;
  if (version > CLICKHOUSE_SCHEMA_VERSION) {
    throw new Error(
      `the ClickHouse database ${layout.database} was written by a newer Tokenscope (layout ${version}; this version reads up to ${CLICKHOUSE_SCHEMA_VERSION})`,
    );
  }
  const ddl = tableDdl(layout);
  for (const sql of [...ddl.local, ...ddl.distributed]) await ensure(conn, sql);
  await addMissingColumns(conn, layout);
  return version;
}

/** Records on one node that its tables have the current layout (after `migrateNode` found `found` there). */
export async function recordLayout(conn: ClickHouseConnection, layout: ClickHouseLayout, found: number): Promise<void> {
  if (found < CLICKHOUSE_SCHEMA_VERSION) {
    await conn.insert(metaTable(layout), [{ key: 'schema_version', value: String(CLICKHOUSE_SCHEMA_VERSION), written: Date.now() }]);
  }
}

/** Adds the columns that tables written by an older layout lack (local tables first, then Distributed ones). */
async function addMissingColumns(conn: ClickHouseConnection, layout: ClickHouseLayout): Promise<void> {
  const targets = TABLES.flatMap(([name, columns]) => {
    const local = { name: layout.cluster ? `${name}_local` : name, qualified: layout.localTable(name), columns };
    return layout.cluster ? [local, { name, qualified: layout.table(name), columns }] : [local];
  });
  for (const target of targets) {
    const found = await conn.select<{ name: string }>(
      `SELECT name FROM system.columns WHERE database = ${quoteString(layout.database)} AND table = ${quoteString(target.name)}`,
    );
    const have = new Set(found.map((r) => r.name));
    for (const [name, type] of target.columns) {
      if (have.has(name)) continue;
      try {
        await conn.execute(`ALTER TABLE ${target.qualified} ADD COLUMN ${name} ${type}`);
      } catch (err) {
        // Another replica added it at the same moment.
        if (!/already exists/i.test((err as Error).message)) throw err;
      }
    }
  }
}

/**
 * With a cluster: checks that the cluster is defined and that every shard has the local tables, so a
 * forgotten node fails at start with advice instead of failing inserts later.
 */
export async function checkCluster(conn: ClickHouseConnection, layout: ClickHouseLayout): Promise<void> {
  const cluster = layout.cluster;
  if (!cluster) return;
  const shards = await conn.select<{ shards: string }>(`SELECT uniqExact(shard_num) AS shards FROM system.clusters WHERE cluster = ${quoteString(cluster)}`);
  const shardCount = Number(shards[0]?.shards ?? 0);
  if (shardCount === 0) throw new Error(`cluster '${cluster}' is not defined in the ClickHouse server's remote_servers`);
  const names = ['events', ...ROLLUP_TIERS.map((t) => rollupTable(t.id))].map((n) => quoteString(`${n}_local`));
  const found = await conn.select<{ tables: string }>(
    `SELECT count() AS tables FROM cluster(${quoteString(cluster)}, system, tables) WHERE database = ${quoteString(layout.database)} AND name IN (${names.join(', ')})`,
  );
  const expected = shardCount * names.length;
  if (Number(found[0]?.tables ?? 0) < expected) {
    throw new Error(
      `some of the ${shardCount} shards of cluster '${cluster}' lack Tokenscope's local tables: list every node's HTTP address in TOKENSCOPE_STORE's nodes parameter (…?cluster=${cluster}&nodes=host2:8123,host3:8123) so they are created at start`,
    );
  }
}
