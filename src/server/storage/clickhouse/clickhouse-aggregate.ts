/** Compiles an AggregateRequest into one ClickHouse statement: a UNION ALL of tier reads, summed per bucket and key. */
import { BASE_SUMS, type BaseSum, type DimensionId } from '../../../shared';
import type { AggregateRequest, ScanPiece } from '../engine';
import type { ClickHouseLayout } from './clickhouse-schema';
import { filtersCondition, spanCondition, tierRows, timeColumn } from './clickhouse-sources';
import { quoteInt, quoteList, quoteString } from './clickhouse-sql';

/** A result row: 64-bit numbers arrive as decimal strings; `keyed` 0 means key null (no split, or `other`). */
export type ClickHouseAggregateRow = { bucket: string; key: string; keyed: number; label: string } & Partial<Record<BaseSum, string>>;

/** The bucket a row at `slot` belongs to, by the piece's arithmetic (see ScanPiece). */
function bucketExpression(piece: ScanPiece): string {
  const { origin, step, from, to } = piece;
  if (step === null) return `toInt64(${quoteInt(origin)})`;
  // intDiv truncates toward zero, which is floor only for slots at or after the origin.
  if (from < origin) throw new Error(`scan piece starts at ${from}, before its origin ${origin}`);
  const first = Math.floor((from - origin) / step);
  if (first === Math.floor((to - 1 - origin) / step)) return `toInt64(${quoteInt(origin + first * step)})`;
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
  // No silent fallback: a caller that asks this engine to rank has not looked at its capabilities.
  if (request.top) throw new Error('the ClickHouse engine does not rank inside aggregate (capabilities.topN is off); rank first, then keep');
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
  return { sql, sums };
}
