/**
 * Turns an aggregate statement's columns (bucket, dims id, sums) into the rows the Store contract promises: keys and
 * labels from the dims catalogue, the dims ids of one value added up, `keep` and `top` applied where SQL did not.
 */
import { addSums, zeroSums, type BaseSums } from '../../../shared';
import type { AggregateRequest, AggregateRow } from '../engine';
import { foldPastTop } from '../js-work';
import type { CompiledAggregate } from './duckdb-aggregate';
import type { DimsCatalogue } from './duckdb-dims-catalogue';

/** What the statement returned, column by column. */
export type AggregateColumns = [buckets: number[], ids: (number | null)[], ...sums: number[][]];

export function aggregateRows(request: AggregateRequest, compiled: CompiledAggregate, dims: DimsCatalogue, columns: AggregateColumns): AggregateRow[] {
  const [buckets, ids, ...sumColumns] = columns;
  const sumsAt = (i: number): BaseSums => {
    const row = zeroSums();
    for (let k = 0; k < compiled.sums.length; k++) row[compiled.sums[k]] = sumColumns[k][i];
    return row;
  };
  const dimension = request.groupBy;
  const each = (make: (i: number) => AggregateRow) => {
    const out = new Array<AggregateRow>(buckets.length);
    for (let i = 0; i < buckets.length; i++) out[i] = make(i);
    return out;
  };
  if (!dimension) return each((i) => ({ bucket: buckets[i], key: null, label: null, sums: sumsAt(i) }));

  // SQL applied `keep` unless it grouped by dims id; a value outside it is part of the folded rest.
  const keep = compiled.grouping === 'dims' && request.keep ? new Set(request.keep) : null;
  const keyAt = (i: number): string | null => {
    const id = ids[i];
    if (id === null) return null;
    const key = dims.key(dimension, id);
    return keep && !keep.has(key) ? null : key;
  };
  const row = (bucket: number, key: string | null, sums: BaseSums): AggregateRow => ({
    bucket,
    key,
    label: key === null ? null : dims.label(dimension, key),
    sums,
  });
  let rows: AggregateRow[];
  if (compiled.grouping === 'value') {
    rows = each((i) => row(buckets[i], keyAt(i), sumsAt(i)));
  } else {
    const cells = new RowsByCell();
    for (let i = 0; i < buckets.length; i++) cells.add(buckets[i], keyAt(i), sumsAt(i));
    rows = cells.rows(row);
  }
  return request.top && !compiled.foldedTop ? foldPastTop(rows, request.top) : rows;
}

/** Sums added up per (bucket, key). */
class RowsByCell {
  private readonly cells = new Map<number, Map<string | null, BaseSums>>();
  add(bucket: number, key: string | null, sums: BaseSums): void {
    let byKey = this.cells.get(bucket);
    if (!byKey) this.cells.set(bucket, (byKey = new Map()));
    const cell = byKey.get(key);
    if (cell) addSums(cell, sums);
    else byKey.set(key, sums);
  }
  rows(row: (bucket: number, key: string | null, sums: BaseSums) => AggregateRow): AggregateRow[] {
    const out: AggregateRow[] = [];
    for (const [bucket, byKey] of this.cells) for (const [key, sums] of byKey) out.push(row(bucket, key, sums));
    return out;
  }
}
