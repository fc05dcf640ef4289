/** Compiles an AggregateRequest into one DuckDB statement: a UNION ALL of tier scans joined to the dims. */
import { BIGINT, LIST, VARCHAR, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { BASE_SUMS, DIMENSION_IDS, patternSource, type BaseSum, type DimensionId } from '../../../shared';
import { TIERS, type AggregateRequest, type RowFilters, type ScanPiece } from '../engine';
import { rollupTable } from './duckdb-schema';

export interface CompiledAggregate {
  sql: string;
  /** The base sums selected, in column order after bucket, key and label. */
  sums: readonly BaseSum[];
  values: Record<string, DuckDBValue>;
  types: Record<string, DuckDBType>;
}

/** The dims column holding each dimension, and the one holding what a person reads. */
const DIMENSION_COLUMN: Record<DimensionId, { key: string; label: string }> = {
  service: { key: 'service', label: 'service' },
  model: { key: 'model', label: 'model' },
  model_type: { key: 'model_type', label: 'model_type' },
  api_key: { key: 'api_key', label: 'api_key_label' },
};

/** Raw events hold one call per row; these give them the rollup columns. */
const RAW_SUMS: Record<(typeof BASE_SUMS)[number], string> = {
  input_tokens: 'input_tokens',
  output_tokens: 'output_tokens',
  cache_read_tokens: 'cache_read_tokens',
  cache_write_tokens: 'cache_write_tokens',
  reasoning_tokens: 'reasoning_tokens',
  requests: '1',
  duration_ms: 'coalesce(duration_ms, 0)',
  timed_requests: '(duration_ms IS NOT NULL)::INTEGER',
  input_cost_micros: 'input_cost_micros',
  cache_read_cost_micros: 'cache_read_cost_micros',
  cache_write_cost_micros: 'cache_write_cost_micros',
  output_cost_micros: 'output_cost_micros',
  given_cost_micros: 'coalesce(given_cost_micros, 0)',
  cost_micros: 'input_cost_micros + cache_read_cost_micros + cache_write_cost_micros + output_cost_micros + coalesce(given_cost_micros, 0)',
  unpriced_tokens: 'unpriced_tokens',
};

/**
 * Numbers are bound as parameters, so that the statement text stays the same from one refresh of a panel to
 * the next and the store can reuse its prepared statement; DuckDB still prunes row groups by their values.
 */
type BindNumber = (n: number) => string;

function bucketExpression(piece: ScanPiece, slot: string, slotMs: number, int: BindNumber): string {
  const { origin, step } = piece;
  // Buckets as long as the tier's slots, and aligned with them: each slot is its own bucket.
  if (step === slotMs && origin % slotMs === 0) return slot;
  if (step === null || Math.floor((piece.from - origin) / step) === Math.floor((piece.to - 1 - origin) / step)) {
    return step === null ? int(origin) : int(origin + Math.floor((piece.from - origin) / step) * step);
  }
  return `(${slot} - ${int(origin)}) // ${int(step)} * ${int(step)} + ${int(origin)}`;
}

function scan(piece: ScanPiece, sums: readonly BaseSum[], int: BindNumber): string {
  const raw = piece.tier === 'raw';
  const slot = raw ? 'ts' : 'slot';
  const slotMs = TIERS.find((t) => t.id === piece.tier)!.ms;
  const table = piece.tier === 'raw' ? 'events' : rollupTable(piece.tier);
  const columns = sums.map((c) => (raw ? `${RAW_SUMS[c]} AS ${c}` : c)).join(', ');
  return `SELECT ${bucketExpression(piece, slot, slotMs, int)} AS bucket, dims_id, ${columns}
    FROM ${table} WHERE ${slot} >= ${int(piece.from)} AND ${slot} < ${int(piece.to)}`;
}

/**
 * Conditions on the dims registry for the filtered dimensions: listed values, or patterns as RE2 full matches;
 * `false` for a dimension that allows nothing. Every read of rows for a query goes through here.
 */
export function filterConditions(filters: RowFilters, bindList: (name: string, list: readonly string[]) => string): string[] {
  const where: string[] = [];
  for (const dim of DIMENSION_IDS) {
    const match = filters[dim];
    if (!match) continue;
    const column = DIMENSION_COLUMN[dim].key;
    const either = [
      ...(match.values?.length ? [`list_contains(${bindList(`f_${dim}`, match.values)}, ${column})`] : []),
      ...(match.patterns?.length
        ? [`list_bool_or(list_transform(${bindList(`p_${dim}`, match.patterns.map(patternSource))}, lambda p: regexp_full_match(${column}, p)))`]
        : []),
    ];
    where.push(either.length ? `(${either.join(' OR ')})` : 'false');
  }
  return where;
}

export function compileAggregate(request: AggregateRequest): CompiledAggregate {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  const int: BindNumber = (n) => {
    if (!Number.isSafeInteger(n)) throw new Error(`not a safe integer: ${n}`);
    const name = `n${Object.keys(values).length}`;
    values[name] = BigInt(n);
    types[name] = BIGINT;
    return `$${name}`;
  };
  const bindList = (name: string, list: readonly string[]) => {
    values[name] = listValue([...list]);
    types[name] = LIST(VARCHAR);
    return `$${name}`;
  };

  const where = filterConditions(request.filters, bindList);

  let key = 'NULL::VARCHAR';
  // Only API keys have a label other than the key itself.
  let label: string | null = null;
  if (request.groupBy) {
    const col = DIMENSION_COLUMN[request.groupBy];
    const kept = request.keep ? bindList('keep', request.keep) : null;
    const only = (column: string) => (kept ? `CASE WHEN list_contains(${kept}, ${col.key}) THEN ${column} END` : column);
    key = only(col.key);
    if (col.label !== col.key) label = only(col.label);
  }

  const wanted = request.sums?.length ? request.sums : BASE_SUMS;
  const pieces = request.pieces.map((p) => scan(p, wanted, int)).join('\nUNION ALL\n');
  // Rows are grouped once, after the join, by (bucket, a small integer standing for the key): far fewer groups
  // than (slot, dims id), and integers group much faster than strings; the key and its label are attached to
  // the grouped rows. Sums run in DOUBLE, exact for the safe integers tokens are limited to, and much cheaper
  // than DuckDB's 128-bit integer sums.
  const sums = wanted.map((c) => `sum(p.${c}::DOUBLE) AS ${c}`).join(', ');
  const dims = `d AS MATERIALIZED (
  SELECT id, ${key} AS key, ${label ?? 'NULL::VARCHAR'} AS label, dense_rank() OVER (ORDER BY ${key}) AS k
  FROM dims ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
)`;
  const grouped = `SELECT p.bucket, d.k, ${sums}
  FROM (${pieces}) p JOIN d ON p.dims_id = d.id
  GROUP BY p.bucket, d.k`;
  const keyOf = `(SELECT k, any_value(key) AS key, any_value(label) AS label FROM d GROUP BY k)`;
  const columns = wanted.map((c) => `g.${c}`).join(', ');
  let sql = `WITH ${dims}
SELECT g.bucket::DOUBLE AS bucket, m.key, m.label, ${columns}
FROM (${grouped}) g JOIN ${keyOf} m ON g.k = m.k`;
  if (request.top && request.groupBy) {
    // k follows the key's byte order (dense_rank over the key), so it breaks score ties as the contract says.
    const { of, timedOnly } = request.top.order;
    const missing = [...of, ...(timedOnly ? ['timed_requests' as const] : [])].filter((c) => !wanted.includes(c));
    if (missing.length) throw new Error(`top ranks by ${missing.join(', ')}, which the request does not sum`);
    const total = of.map((c) => `sum(${c})`).join(' + ');
    const score = timedOnly ? `CASE WHEN sum(timed_requests) > 0 THEN ${total} ELSE -1 END` : total;
    sql = `WITH ${dims},
g AS MATERIALIZED (${grouped}),
t AS (SELECT k FROM g GROUP BY k ORDER BY ${score} DESC, k ASC LIMIT ${int(request.top.limit)})
SELECT g.bucket::DOUBLE AS bucket, CASE WHEN t.k IS NULL THEN NULL ELSE m.key END AS key,
       CASE WHEN t.k IS NULL THEN NULL ELSE m.label END AS label, ${wanted.map((c) => `sum(g.${c}) AS ${c}`).join(', ')}
FROM g JOIN ${keyOf} m ON g.k = m.k LEFT JOIN t ON g.k = t.k
GROUP BY 1, 2, 3`;
  }
  return { sql, sums: wanted, values, types };
}
