/** The values of a dimension seen in a range (inside the caller's scope), for variables and filter suggestions. */
import type { DimensionId, DimensionValuesResponse } from '../../shared';
import type { Store } from '../storage/engine';
import type { NormalisedQuery } from './normalise';
import { rankedValues } from './ranking';

/** Sorted by what a person reads (the masked label for keys). */
export async function listDimensionValues(store: Store, q: NormalisedQuery, dimension: DimensionId): Promise<DimensionValuesResponse> {
  const rows = await rankedValues(store, q, dimension, 'requests');
  const values = rows.map((r) => ({ value: r.key!, label: r.label ?? r.key! }));
  values.sort((a, b) => a.label.localeCompare(b.label));
  return { values };
}
