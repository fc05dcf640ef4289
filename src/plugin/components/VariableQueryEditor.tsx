/** Editor of a query variable: which dimension's values, optionally narrowed by filters on the others. */
import React, { useEffect } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Combobox, InlineField, Stack } from '@grafana/ui';
import { DEFAULTS, type DimensionId } from '../../shared';
import type { DataSource } from '../datasource';
import { LABELS } from '../labels';
import { SELECTORS } from '../selectors';
import type { TokenscopeOptions, TokenscopeQuery, TokenscopeVariableQuery } from '../types';
import { FilterEditor } from './FilterEditor';
import { DIMENSION_OPTIONS, variableOptions } from './options';

type Props = QueryEditorProps<DataSource, TokenscopeQuery, TokenscopeOptions, TokenscopeVariableQuery>;

export function VariableQueryEditor({ datasource, query, onChange, range }: Props) {
  const dimension = query.dimension || DEFAULTS.dimension;
  useEffect(() => {
    if (!query.dimension) onChange({ ...query, dimension });
  }, [query, dimension, onChange]);
  const options = [...DIMENSION_OPTIONS, ...variableOptions(datasource.variableNames())];
  return (
    <Stack direction="column" gap={0}>
      <InlineField label={LABELS.variable.dimension} tooltip={LABELS.variable.dimensionTooltip} labelWidth={14} htmlFor={SELECTORS.variable.dimension}>
        <Combobox
          id={SELECTORS.variable.dimension}
          data-testid={SELECTORS.variable.dimension}
          width={32}
          options={options}
          value={dimension}
          createCustomValue
          onChange={(option) => onChange({ ...query, dimension: option.value })}
        />
      </InlineField>
      <FilterEditor
        datasource={datasource}
        filters={query.filters}
        exclude={dimension as DimensionId}
        onChange={(filters) => onChange({ ...query, filters })}
        from={range?.from.valueOf()}
        to={range?.to.valueOf()}
      />
    </Stack>
  );
}
