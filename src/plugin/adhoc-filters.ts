/** Ad-hoc filters: which operators the backend can use, decided in one place for queries and suggestions. */
/**
 * Values of an ad-hoc filter the backend can use (`=` one value, `=|` one of several), or null for an operator
 * it cannot (`!=`, `=~`, …): the one place that decides which operators are supported.
 */
export function adhocFilterValues(filter: { operator: string; value: string; values?: string[] }): string[] | null {
  if (filter.operator === '=') return [filter.value];
  if (filter.operator === '=|') return filter.values ?? [filter.value];
  return null;
}
