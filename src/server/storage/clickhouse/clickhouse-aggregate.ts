/**
 * Compiles an AggregateRequest into one ClickHouse statement: a UNION ALL of tier reads, summed per bucket and key;
 * with `top`, ranked and folded in the same statement (see topSql).
 */
import { BASE_SUMS, type BaseSum, type DimensionId } from '../../../shared';
import { singleBucket, type AggregateRequest, type RankOrder, type ScanPiece } from '../engine';
import { rollupTable, type ClickHouseLayout } from './clickhouse-schema';
import { filtersCondition, spanCondition, tierRows, timeColumn } from './clickhouse-sources';
import { quoteInt, quoteList, quoteString } from './clickhouse-sql';

/** A result row: 64-bit numbers arrive as decimal strings; `keyed` 0 means key null (no split, or `other`). */
export type ClickHouseAggregateRow = { bucket: string; key: string; keyed: number; label: string } & Partial<Record<BaseSum, string>>;

/** The bucket a row at `slot` belongs to, by the piece's arithmetic (see ScanPiece). */
function bucketExpression(piece: ScanPiece): string {
  const single = singleBucket(piece);
  if (single !== null) return `toInt64(${quoteInt(single)})`;
  // A piece without a step has one bucket, so from here on it has a step.
  const { origin, from } = piece;
  const step = piece.step!;
  // intDiv truncates toward zero, which is floor only for slots at or after the origin.
  if (from < origin) throw new Error(`scan piece starts at ${from}, before its origin ${origin}`);
  return `toInt64(${quoteInt(origin)} + intDiv(slot - ${quoteInt(origin)}, ${quoteInt(step)}) * ${quoteInt(step)})`;
}

/** key, keyed and label expressions for the request's split, over the `d_<dim>` and `label` columns of tierRows. */
function keyExpressions(groupBy: DimensionId | undefined, keep: readonly string[] | undefined): { key: string; keyed: string; label: string } {
  if (!groupBy) return { key: "''", keyed: 'toUInt8(0)', label: "''" };
  const column = `d_${groupBy}`;
  const label = groupBy === 'api_key' ? 'label' : column;
  if (!keep) return { key: column, keyed: 'toUInt8(1)', label };
  const kept = keep.length ? `toUInt8(${column} IN ${quoteList(keep, quoteString)})` : 'toUInt8(0)';
  return { key: `if(${kept}, ${column}, '')`, keyed: kept, label: `if(${kept}, ${label}, '')` };
}

function pieceSql(layout: ClickHouseLayout, piece: ScanPiece, filters: string | null, request: AggregateRequest, sums: readonly BaseSum[]): string {
  const range = spanCondition(timeColumn(piece.tier), piece);
  const where = filters ? `(${range}) AND ${filters}` : range;
  const split = keyExpressions(request.groupBy, request.keep);
  const columns = [`min(${split.label}) AS p_label`, ...sums.map((c) => `toUInt64(sum(s_${c})) AS p_${c}`)];
  const rows = tierRows(layout, piece.tier, where, { dims: request.groupBy ? [request.groupBy] : [], sums, label: request.groupBy === 'api_key' });
  return `SELECT ${bucketExpression(piece)} AS bucket, ${split.key} AS key, ${split.keyed} AS keyed, ${columns.join(', ')}
  FROM (${rows})
  GROUP BY bucket, key, keyed`;
}

/** The statement for a request with at least one piece; only the base sums asked for are computed. */
export function compileAggregate(layout: ClickHouseLayout, request: AggregateRequest): { sql: string; sums: readonly BaseSum[] } {
  const filters = filtersCondition(request.filters);
  const sums = request.sums ?? BASE_SUMS;
  const pieces = request.pieces.map((p) => pieceSql(layout, p, filters, request, sums)).join('\nUNION ALL\n');
  const columns = ['min(p_label) AS label', ...sums.map((c) => `sum(p_${c}) AS ${c}`)];
  const sql = `SELECT bucket, key, keyed, ${columns.join(', ')}
FROM (${pieces})
GROUP BY bucket, key, keyed`;
  return { sql: request.top ? topSql(sql, request.top, sums) : sql, sums };
}

/** How many values a dimension has, over the daily tier: one row (`n`). */
export function distinctValuesSql(layout: ClickHouseLayout, dimension: DimensionId): string {
  return `SELECT uniqExact(${dimension}) AS n FROM ${layout.table(rollupTable('1d'))}`;
}

/**
 * Ranks and folds the rows of `grouped` (one per bucket and key) in one pass, without reading the tiers twice: the
 * rows of each key are gathered into arrays, every key into one row, the keys sorted there by score (largest first,
 * ties to the smaller key: ClickHouse compares strings byte by byte), and the rows spread out again with the keys
 * past the limit folded into key ''.
 */
function topSql(grouped: string, top: { limit: number; order: RankOrder }, sums: readonly BaseSum[]): string {
  const { of, timedOnly } = top.order;
  const missing = [...of, ...(timedOnly ? ['timed_requests' as const] : [])].filter((c) => !sums.includes(c));
  if (missing.length) throw new Error(`top ranks by ${missing.join(', ')}, which the request does not sum`);
  const total = `toInt64(${of.map((c) => `sum(${c})`).join(' + ')})`;
  const score = timedOnly ? `if(sum(timed_requests) > 0, ${total}, toInt64(-1))` : total;
  const perKey = ['min(label) AS k_label', `${score} AS k_score`, 'groupArray(bucket) AS k_buckets', ...sums.map((c) => `groupArray(${c}) AS k_${c}`)];
  const lists = ['k_label', 'k_score', 'k_buckets', ...sums.map((c) => `k_${c}`)];
  // The positions (in l_key) of the keys that rank within the limit; computed once, on the one row of lists.
  const ranked = `arraySlice(arraySort((i, s, k) -> (-s, k), arrayEnumerate(l_key), l_k_score, l_key), 1, ${quoteInt(top.limit)}) AS l_top`;
  return `SELECT bucket, if(kept, r_key, '') AS key, toUInt8(kept) AS keyed, min(if(kept, r_label, '')) AS label, ${sums.map((c) => `sum(r_${c}) AS ${c}`).join(', ')}
FROM (
  SELECT r_key, r_label, has(l_top, r_index) AS kept, k_buckets, ${sums.map((c) => `k_${c}`).join(', ')}
  FROM (
    SELECT *, ${ranked}
    FROM (SELECT groupArray(key) AS l_key, ${lists.map((l) => `groupArray(${l}) AS l_${l}`).join(', ')} FROM (SELECT key, ${perKey.join(', ')} FROM (${grouped}) GROUP BY key))
  )
  ARRAY JOIN l_key AS r_key, arrayEnumerate(l_key) AS r_index, l_k_label AS r_label, l_k_buckets AS k_buckets, ${sums.map((c) => `l_k_${c} AS k_${c}`).join(', ')}
)
ARRAY JOIN k_buckets AS bucket, ${sums.map((c) => `k_${c} AS r_${c}`).join(', ')}
GROUP BY bucket, key, keyed`;
}
