/**
 * How rows are read, the same way for queries, rollup refreshes and repairs: raw events with duplicates
 * removed, and of each rollup row only its latest version. Both come out in one shape: `slot`, `dims_key`, the
 * dimension columns asked for as `d_<dim>`, `label`, `s_<base sum>` for every base sum, and `v`, the version
 * weight the next tier adds up.
 */
import { BASE_SUMS, DIMENSION_IDS, patternSource, type BaseSum } from '../../../shared';
import type { RowFilters, TierId } from '../engine';
import { DIMS_KEY, rollupTable, type ClickHouseLayout, type Dim, type RollupTierId } from './clickhouse-schema';
import { quoteInt, quoteList, quoteString } from './clickhouse-sql';

/** A half-open span [from, to) of epoch milliseconds. */
export interface Span {
  from: number;
  to: number;
}

/** The column a tier is filtered on: raw events by `ts`, rollups by `slot`. */
export const timeColumn = (tier: TierId) => (tier === 'raw' ? 'ts' : 'slot');

/** `col >= from AND col < to`. */
export function spanCondition(column: string, span: Span): string {
  return `${column} >= ${quoteInt(span.from)} AND ${column} < ${quoteInt(span.to)}`;
}

/**
 * `(service IN ('a') OR match(service, '^team\\-a\\-.*$')) AND …` for the filtered dimensions (`0` for one that
 * allows nothing), or null when nothing is filtered. Every read of rows for a query goes through here.
 */
export function filtersCondition(filters: RowFilters): string | null {
  const parts: string[] = [];
  for (const d of DIMENSION_IDS) {
    const match = filters[d];
    if (!match) continue;
    const either = [
      ...(match.values?.length ? [`${d} IN ${quoteList(match.values, quoteString)}`] : []),
      ...(match.patterns ?? []).map((p) => `match(${d}, ${quoteString(patternSource(p))})`),
    ];
    parts.push(either.length ? `(${either.join(' OR ')})` : '0');
  }
  return parts.length ? parts.join(' AND ') : null;
}

/**
 * Among copies of one event (same time, event key and dimensions), the copy with the smallest content hash counts:
 * every reader picks the same one, whichever copies it sees.
 */
export const CONTENT_HASH =
  'cityHash64(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, duration_ms, input_cost_micros, cache_read_cost_micros, cache_write_cost_micros, output_cost_micros, given_cost_micros)';

const RAW_SUM: Record<(typeof BASE_SUMS)[number], string> = {
  input_tokens: 'input_tokens',
  output_tokens: 'output_tokens',
  cache_read_tokens: 'cache_read_tokens',
  cache_write_tokens: 'cache_write_tokens',
  reasoning_tokens: 'reasoning_tokens',
  requests: 'toUInt64(1)',
  duration_ms: 'toUInt64(greatest(duration_ms, 0))',
  timed_requests: 'toUInt64(duration_ms >= 0)',
  input_cost_micros: 'input_cost_micros',
  cache_read_cost_micros: 'cache_read_cost_micros',
  cache_write_cost_micros: 'cache_write_cost_micros',
  output_cost_micros: 'output_cost_micros',
  given_cost_micros: 'toUInt64(greatest(given_cost_micros, 0))',
  cost_micros: 'input_cost_micros + cache_read_cost_micros + cache_write_cost_micros + output_cost_micros + toUInt64(greatest(given_cost_micros, 0))',
  unpriced_tokens: 'unpriced_tokens',
};

/** What a reader needs from tierRows: the dimensions as `d_<dim>`, the base sums as `s_<sum>`, the key label. */
export interface TierColumns {
  dims?: readonly Dim[];
  /** Default: every base sum. */
  sums?: readonly BaseSum[];
  /** `label` (what a person sees for the api_key); default true. */
  label?: boolean;
}

/** `any(service) AS d_service, …` (the d_ names avoid ClickHouse's alias clashes inside aggregates). */
const dimColumns = (dims: readonly Dim[]) => dims.map((d) => `any(${d}) AS d_${d}`);

/** One row per distinct event; `v` is the number of stored copies (it only grows as copies arrive). */
function eventRows(layout: ClickHouseLayout, where: string, want: Required<TierColumns>): string {
  const columns = [
    ...dimColumns(want.dims),
    ...(want.label ? ['min(api_key_label) AS label'] : []),
    ...want.sums.map((c) => (c === 'requests' ? `toUInt64(1) AS s_${c}` : `argMin(${RAW_SUM[c]}, ${CONTENT_HASH}) AS s_${c}`)),
  ];
  return `SELECT ts AS slot, ${DIMS_KEY} AS dims_key, ${[...columns, 'count() AS v'].join(', ')}
    FROM ${layout.table('events')}
    WHERE ${where}
    GROUP BY ts, event_key, dims_key`;
}

/**
 * One row per (slot, dims): the row with the highest version, which has seen the most. `FINAL` picks it as it reads,
 * merging the parts' rows in (slot, dims_key) order as a background merge would: no hash table over every row in the
 * range and no argMax per column, so a read costs little more than the rows it returns. Filtering before that pick is
 * safe: conditions are on the slot and the dimensions, which every version of a row shares.
 */
function rollupRows(layout: ClickHouseLayout, tier: RollupTierId, where: string, want: Required<TierColumns>): string {
  const columns = [...want.dims.map((d) => `${d} AS d_${d}`), ...(want.label ? ['api_key_label AS label'] : []), ...want.sums.map((c) => `${c} AS s_${c}`)];
  return `SELECT slot, dims_key, ${[...columns, 'version AS v'].join(', ')}
    FROM ${layout.table(rollupTable(tier))} FINAL
    WHERE ${where}`;
}

/**
 * The rows of a tier that satisfy `where` (a condition on the tier's time column and the dimensions), one per
 * (slot, dims_key), with the columns asked for.
 */
export function tierRows(layout: ClickHouseLayout, tier: TierId, where: string, columns: TierColumns = {}): string {
  const want = { dims: columns.dims ?? [], sums: columns.sums ?? BASE_SUMS, label: columns.label ?? true };
  return tier === 'raw' ? eventRows(layout, where, want) : rollupRows(layout, tier, where, want);
}
