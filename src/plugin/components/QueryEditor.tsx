/**
 * The panel query editor. It edits the shared saved query (migrated first, so old and new queries look the
 * same) and runs the query after each committed change; Top N is kept as typed text until it loses focus.
 */
import React, { useEffect, useState } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Combobox, InlineField, InlineFieldRow, Input, MultiCombobox, RadioButtonGroup, Stack } from '@grafana/ui';
import { DEFAULTS, LIMITS, type QueryType } from '../../shared';
import { migrateQuery } from '../migrations';
import type { DataSource } from '../datasource';
import { hasVariable } from '../interpolate';
import { LABELS } from '../labels';
import { SELECTORS } from '../selectors';
import type { TokenscopeOptions, TokenscopeQuery } from '../types';
import { FilterEditor } from './FilterEditor';
import {
  CALL_ORDER_OPTIONS,
  DIMENSION_OPTIONS,
  GRANULARITY_OPTIONS,
  METRIC_OPTIONS,
  NO_DIMENSION,
  QUERY_TYPE_OPTIONS,
  selectedOptions,
  variableOptions,
} from './options';

type Props = QueryEditorProps<DataSource, TokenscopeQuery, TokenscopeOptions>;

const LABEL_WIDTH = 14;

export function QueryEditor({ datasource, query: stored, onChange, onRunQuery, range }: Props) {
  const query = migrateQuery(stored);
  // A new or old query is saved in the current shape once, so what runs is what the dashboard stores.
  useEffect(() => {
    if (query !== stored) onChange(query);
  }, [query, stored, onChange]);

  // The Top N text being typed, until it is committed; a change of the saved limit (undo, variables) resets it.
  const savedTopN = String(query.limit ?? DEFAULTS.limit);
  const [draft, setDraft] = useState({ saved: savedTopN, text: savedTopN });
  const topN = draft.saved === savedTopN ? draft.text : savedTopN;
  const setTopN = (text: string) => setDraft({ saved: savedTopN, text });

  const commit = (next: TokenscopeQuery) => {
    onChange(next);
    onRunQuery();
  };
  const variables = variableOptions(datasource.variableNames());
  const isTrend = query.queryType === 'trend';
  const dimensionOptions = [...(isTrend ? [{ label: LABELS.query.noDimension, value: NO_DIMENSION }] : []), ...DIMENSION_OPTIONS, ...variables];
  const metricOptions = [...METRIC_OPTIONS, ...variables];
  const granularityOptions = [...GRANULARITY_OPTIONS, ...variables];
  const isMovers = query.queryType === 'movers';
  const isCalls = query.queryType === 'calls';
  const showTopN = query.queryType === 'ranking' || isMovers || isCalls || (isTrend && !!query.dimension);
  const orderOptions = [...CALL_ORDER_OPTIONS, ...variables];
  // The offset being typed, committed when the field loses focus (as Top N).
  const [offset, setOffset] = useState(query.offset ?? '');
  const topNInvalid = !validTopN(topN);

  const setQueryType = (queryType: QueryType) => {
    const ranks = queryType === 'ranking' || queryType === 'movers';
    const dimension = ranks && !query.dimension ? DEFAULTS.dimension : query.dimension;
    commit({ ...query, queryType, dimension });
  };

  return (
    <Stack direction="column" gap={0} data-testid={SELECTORS.query.editor}>
      <InlineFieldRow>
        <InlineField label={LABELS.query.queryType} labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup<QueryType>
            id={SELECTORS.query.queryType}
            aria-label={LABELS.query.queryType}
            options={QUERY_TYPE_OPTIONS}
            value={query.queryType}
            onChange={setQueryType}
          />
        </InlineField>
        {!isCalls && (
          <InlineField label={LABELS.query.metrics} tooltip={LABELS.query.metricsTooltip} htmlFor={SELECTORS.query.metrics} grow>
            <MultiCombobox
              id={SELECTORS.query.metrics}
              data-testid={SELECTORS.query.metrics}
              options={metricOptions}
              value={selectedOptions(query.metrics, metricOptions)}
              createCustomValue
              onChange={(selected) => commit({ ...query, metrics: selected.map((o) => o.value) })}
            />
          </InlineField>
        )}
        {isCalls && (
          <InlineField label={LABELS.query.orderBy} tooltip={LABELS.query.orderByTooltip} htmlFor={SELECTORS.query.orderBy}>
            <Combobox
              id={SELECTORS.query.orderBy}
              data-testid={SELECTORS.query.orderBy}
              width={32}
              options={orderOptions}
              value={query.orderBy || DEFAULTS.callOrder}
              createCustomValue
              onChange={(option) => commit({ ...query, orderBy: option.value })}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        {query.queryType !== 'totals' && !isCalls && (
          <InlineField label={LABELS.query.dimension} tooltip={LABELS.query.dimensionTooltip} labelWidth={LABEL_WIDTH} htmlFor={SELECTORS.query.dimension}>
            <Combobox
              id={SELECTORS.query.dimension}
              data-testid={SELECTORS.query.dimension}
              width={32}
              options={dimensionOptions}
              value={query.dimension || NO_DIMENSION}
              createCustomValue
              onChange={(option) => commit({ ...query, dimension: option.value === NO_DIMENSION ? undefined : option.value })}
            />
          </InlineField>
        )}
        {isTrend && (
          <InlineField label={LABELS.query.granularity} tooltip={LABELS.query.granularityTooltip} htmlFor={SELECTORS.query.granularity}>
            <Combobox
              id={SELECTORS.query.granularity}
              data-testid={SELECTORS.query.granularity}
              width={20}
              options={granularityOptions}
              value={query.granularity || 'auto'}
              createCustomValue
              onChange={(option) => commit({ ...query, granularity: option.value })}
            />
          </InlineField>
        )}
        {isMovers && (
          <InlineField label={LABELS.query.offset} tooltip={LABELS.query.offsetTooltip} htmlFor={SELECTORS.query.offset}>
            <Input
              id={SELECTORS.query.offset}
              data-testid={SELECTORS.query.offset}
              width={16}
              value={offset}
              placeholder={LABELS.query.offsetPlaceholder}
              onChange={(e) => setOffset(e.currentTarget.value)}
              onBlur={() => {
                if (offset.trim() !== (query.offset ?? '')) commit({ ...query, offset: offset.trim() || undefined });
              }}
            />
          </InlineField>
        )}
        {showTopN && (
          <InlineField label={LABELS.query.topN} tooltip={LABELS.query.topNTooltip} htmlFor={SELECTORS.query.topN} invalid={topNInvalid}>
            <Input
              id={SELECTORS.query.topN}
              data-testid={SELECTORS.query.topN}
              width={10}
              value={topN}
              onChange={(e) => setTopN(e.currentTarget.value)}
              onBlur={() => {
                if (topNInvalid || topN === String(query.limit)) return;
                commit({ ...query, limit: /^\d+$/.test(topN) ? Number(topN) : topN });
              }}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      <FilterEditor
        datasource={datasource}
        filters={query.filters}
        onChange={(filters) => commit({ ...query, filters })}
        from={range?.from.valueOf()}
        to={range?.to.valueOf()}
      />
    </Stack>
  );
}

function validTopN(text: string): boolean {
  if (hasVariable(text)) return true;
  if (!/^\d+$/.test(text)) return false;
  const n = Number(text);
  return n >= 1 && n <= LIMITS.maxLimit;
}
