/** Typed builders for the dashboards' template variables: fixed lists, and dimension values from the data source. */
import { VariableHide, VariableRefresh, VariableSort, type VariableModel, type VariableOption } from '@grafana/schema';
import { dimensionDefinition, type DimensionId } from '../../src/shared';
import type { TokenscopeVariableQuery } from '../../src/plugin/types';
import { DATASOURCE } from './panels';

/** The value Grafana stores for "All" in a multi-value variable; the plugin turns it into "no filter". */
export const ALL_VALUE = '$__all';

interface Choice {
  text: string;
  value: string;
}

/** A fixed list of choices (Grafana's `custom` variable, `text : value` pairs). */
export function customVariable(spec: { name: string; label: string; description: string; choices: readonly Choice[]; current: string }): VariableModel {
  const current = spec.choices.find((c) => c.value === spec.current);
  if (!current) throw new Error(`variable ${spec.name}: default '${spec.current}' is not one of its choices`);
  const options: VariableOption[] = spec.choices.map((c) => ({ text: c.text, value: c.value, selected: c === current }));
  return {
    type: 'custom',
    name: spec.name,
    label: spec.label,
    description: spec.description,
    query: spec.choices.map((c) => (c.text === c.value ? c.value : `${c.text} : ${c.value}`)).join(','),
    current: { text: current.text, value: current.value },
    options,
    multi: false,
    includeAll: false,
    hide: VariableHide.dontHide,
    skipUrlSync: false,
  };
}

/**
 * The values of a dimension seen in the selected range, asked of the Tokenscope data source (the plugin's
 * variable support), refreshed when the range changes. `filters` narrow them, e.g. to the chosen model type.
 */
export function dimensionVariable(spec: {
  dimension: DimensionId;
  label?: string;
  description: string;
  multi: boolean;
  /** The default value; multi-value variables default to All. */
  current?: string;
  filters?: Partial<Record<DimensionId, string[]>>;
}): VariableModel {
  const current = spec.current ?? ALL_VALUE;
  const text = current === ALL_VALUE ? 'All' : current;
  return {
    type: 'query',
    name: spec.dimension,
    label: spec.label ?? dimensionDefinition(spec.dimension).name,
    description: spec.description,
    datasource: DATASOURCE,
    query: variableQuery(spec.dimension, spec.filters ?? {}),
    refresh: VariableRefresh.onTimeRangeChanged,
    sort: VariableSort.alphabeticalCaseInsensitiveAsc,
    current: spec.multi ? { text: [text], value: [current] } : { text, value: current },
    options: [],
    multi: spec.multi,
    includeAll: spec.multi,
    hide: VariableHide.dontHide,
    skipUrlSync: false,
  };
}

function variableQuery(dimension: DimensionId, filters: Partial<Record<DimensionId, string[]>>): Record<string, unknown> {
  const query: TokenscopeVariableQuery = { refId: `${dimension}-values`, dimension, filters };
  return { ...query };
}
