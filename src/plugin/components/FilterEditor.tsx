/** One multi-value field per dimension: suggested values from the backend, typed values and `$variables`. */
import React from 'react';
import { InlineField, InlineFieldRow, MultiCombobox } from '@grafana/ui';
import { DIMENSIONS, type DimensionId } from '../../shared';
import type { DataSource } from '../datasource';
import { LABELS } from '../labels';
import { SELECTORS } from '../selectors';
import { selectedOptions, variableOptions } from './options';
import { useDimensionValues } from './useDimensionValues';

type FilterMap = Partial<Record<DimensionId, string[]>>;

interface Props {
  datasource: DataSource;
  filters: FilterMap | undefined;
  onChange: (filters: FilterMap) => void;
  /** Time range for the suggestions, epoch ms. */
  from?: number;
  to?: number;
  /** Dimensions not offered (a variable over `model` does not filter on `model`). */
  exclude?: DimensionId;
}

export function FilterEditor({ datasource, filters, onChange, from, to, exclude }: Props) {
  const change = (dimension: DimensionId, values: string[]) => {
    const next: FilterMap = { ...filters };
    if (values.length) next[dimension] = values;
    else delete next[dimension];
    onChange(next);
  };
  return (
    <InlineFieldRow>
      {DIMENSIONS.filter((d) => d.id !== exclude).map((d) => (
        <DimensionFilter
          key={d.id}
          datasource={datasource}
          dimension={d.id}
          label={d.name}
          values={filters?.[d.id] ?? []}
          onChange={(values) => change(d.id, values)}
          from={from}
          to={to}
        />
      ))}
    </InlineFieldRow>
  );
}

interface FilterProps {
  datasource: DataSource;
  dimension: DimensionId;
  label: string;
  values: string[];
  onChange: (values: string[]) => void;
  from?: number;
  to?: number;
}

function DimensionFilter({ datasource, dimension, label, values, onChange, from, to }: FilterProps) {
  const { options: suggested, loading } = useDimensionValues(datasource, dimension, from, to);
  const options = [...suggested, ...variableOptions(datasource.variableNames())];
  const id = SELECTORS.query.filter(dimension);
  return (
    <InlineField label={label} tooltip={LABELS.query.filterTooltip} htmlFor={id}>
      <MultiCombobox
        id={id}
        data-testid={id}
        width="auto"
        minWidth={16}
        maxWidth={40}
        loading={loading}
        options={options}
        value={selectedOptions(values, options)}
        placeholder={LABELS.query.filterPlaceholder}
        createCustomValue
        onChange={(selected) => onChange(selected.map((o) => o.value))}
      />
    </InlineField>
  );
}
