/** Editor options built from the shared catalogue and the dashboard's variables. */
import type { ComboboxOption } from '@grafana/ui';
import { CALL_ORDERS, DIMENSIONS, GRANULARITIES, METRICS, QUERY_TYPES } from '../../shared';
import { LABELS } from '../labels';

export const QUERY_TYPE_OPTIONS = QUERY_TYPES.map((q) => ({ label: q.name, value: q.id, description: q.description }));

export const METRIC_OPTIONS: Array<ComboboxOption<string>> = METRICS.map((m) => ({ label: m.name, value: m.id, description: m.description }));

export const CALL_ORDER_OPTIONS: Array<ComboboxOption<string>> = CALL_ORDERS.map((o) => ({ label: o.name, value: o.id }));

export const DIMENSION_OPTIONS: Array<ComboboxOption<string>> = DIMENSIONS.map((d) => ({ label: d.byName, value: d.id, description: d.description }));

/** Stands for "no dimension" in the trend's dimension field (Combobox values cannot be empty). */
export const NO_DIMENSION = '__none';

export const GRANULARITY_OPTIONS: Array<ComboboxOption<string>> = [
  { label: LABELS.query.auto, value: 'auto' },
  ...GRANULARITIES.map((g) => ({ label: g.name, value: g.id })),
];

/** `$name` options for the dashboard's variables, listed after the catalogue's. */
export function variableOptions(names: string[]): Array<ComboboxOption<string>> {
  return names.map((name) => ({ label: name, value: name, group: LABELS.query.variableGroup }));
}

/** The options for `values`, keeping any value not among `options` (a typed value, a variable) visible. */
export function selectedOptions(values: readonly string[], options: Array<ComboboxOption<string>>): Array<ComboboxOption<string>> {
  return values.map((value) => options.find((o) => o.value === value) ?? { label: value, value });
}
