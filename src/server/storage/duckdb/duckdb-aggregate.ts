/**
 * Compiles an AggregateRequest into one DuckDB statement: a UNION ALL of tier scans, summed per bucket and dims id
 * (or per bucket and value, each value standing as its smallest dims id); keys are put on in duckdb-aggregate-rows.ts.
 */
import { BIGINT, LIST, VARCHAR, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { BASE_SUMS, DIMENSION_IDS, patternSource, type BaseSum, type DimensionId } from '../../../shared';
import { TIERS, bucketsRead, singleBucket, type AggregateRequest, type RowFilters, type ScanPiece } from '../engine';
import { JS_WORK_MAX_ROWS } from '../js-work';
import { DIMENSION_COLUMN } from './duckdb-dims-catalogue';
import { rollupTable } from './duckdb-schema';

/**
 * What the statement's second column (`id`) holds: null (no split), each row's dims id (`dims`: several ids may
 * share a value, and JavaScript adds them up), or the smallest dims id of each value (`value`).
 */
export type AggregateGrouping = 'none' | 'dims' | 'value';

export interface CompiledAggregate {
  sql: string;
  /** The base sums selected, in column order after bucket and id. */
  sums: readonly BaseSum[];
  values: Record<string, DuckDBValue>;
  types: Record<string, DuckDBType>;
  grouping: AggregateGrouping;
  /** The statement ranked the values and folded those past the top into a null id (else JavaScript does). */
  foldedTop: boolean;
}

/** What the compiler needs to know of the dims registry to pick the cheapest grouping. */
export interface DimsCounts {
  /** Dims ids. */
  readonly size: number;
  /** Distinct values of a dimension. */
  distinct(dimension: DimensionId): number;
}

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
  const single = singleBucket(piece);
  if (single !== null) return int(single);
  return `(${slot} - ${int(origin)}) // ${int(step!)} * ${int(step!)} + ${int(origin)}`;
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

/**
 * One statement for the request. Rows are grouped by (bucket, dims id) when that gives few rows: no join at all, the
 * dims ids of one value added up afterwards. Otherwise each dims id is joined to its value's smallest dims id (a
 * window over the small dims table) and grouped by that; with `top`, the statement also ranks and folds when the
 * rows per value would be many. Integers group much faster than strings, and come out of DuckDB much faster too.
 * Sums run in DOUBLE, exact for the safe integers tokens are limited to, and much cheaper than 128-bit integer sums.
 */
export function compileAggregate(request: AggregateRequest, dims: DimsCounts, jsWorkMaxRows = JS_WORK_MAX_ROWS): CompiledAggregate {
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
  const wanted = request.sums?.length ? request.sums : BASE_SUMS;
  const pieces = request.pieces.map((p) => scan(p, wanted, int)).join('\nUNION ALL\n');
  const summed = wanted.map((c) => `sum(p.${c}::DOUBLE) AS ${c}`).join(', ');
  const buckets = bucketsRead(request.pieces);
  const grouping: AggregateGrouping = !request.groupBy ? 'none' : buckets * dims.size <= jsWorkMaxRows ? 'dims' : 'value';
  const compiled = { sums: wanted, values, types, grouping, foldedTop: false };

  if (grouping !== 'value') {
    const allowed = where.length ? `\nWHERE p.dims_id IN (SELECT id FROM dims WHERE ${where.join(' AND ')})` : '';
    const id = grouping === 'dims' ? 'p.dims_id' : 'NULL::INTEGER';
    const sql = `SELECT p.bucket::DOUBLE AS bucket, ${id} AS id, ${summed}
FROM (${pieces}) p${allowed}
GROUP BY p.bucket${grouping === 'dims' ? ', p.dims_id' : ''}`;
    return { ...compiled, sql };
  }

  const column = DIMENSION_COLUMN[request.groupBy!].key;
  const smallest = `min(id) OVER (PARTITION BY ${column})`;
  const ref = request.keep ? `CASE WHEN list_contains(${bindList('keep', request.keep)}, ${column}) THEN ${smallest} END` : smallest;
  const d = `SELECT id, ${ref} AS ref FROM dims${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  const joined = `FROM (${pieces}) p JOIN (${d}) d ON p.dims_id = d.id
GROUP BY p.bucket, d.ref`;
  if (!request.top || buckets * dims.distinct(request.groupBy!) <= jsWorkMaxRows) {
    return { ...compiled, sql: `SELECT p.bucket::DOUBLE AS bucket, d.ref AS id, ${summed}\n${joined}` };
  }
  const { of, timedOnly } = request.top.order;
  const missing = [...of, ...(timedOnly ? ['timed_requests' as const] : [])].filter((c) => !wanted.includes(c));
  if (missing.length) throw new Error(`top ranks by ${missing.join(', ')}, which the request does not sum`);
  const total = of.map((c) => `sum(g.${c})`).join(' + ');
  const score = timedOnly ? `CASE WHEN sum(g.timed_requests) > 0 THEN ${total} ELSE -1 END` : total;
  // Ties go to the smaller value in byte order, DuckDB's default collation, as the contract says.
  const sql = `WITH g AS (SELECT p.bucket, d.ref, ${summed}
${joined}),
t AS (SELECT g.ref FROM g JOIN dims v ON v.id = g.ref GROUP BY g.ref, v.${column} ORDER BY ${score} DESC, v.${column} LIMIT ${int(request.top.limit)})
SELECT g.bucket::DOUBLE AS bucket, t.ref AS id, ${wanted.map((c) => `sum(g.${c}) AS ${c}`).join(', ')}
FROM g LEFT JOIN t ON g.ref = t.ref
GROUP BY g.bucket, t.ref`;
  return { ...compiled, sql, foldedTop: true };
}
