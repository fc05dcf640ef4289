/**
 * Dimension values: for query variables (CustomVariableSupport with its own editor), ad-hoc filter values and
 * the editors' suggestions. Filters may hold template variables; All means no filter, as in panel queries.
 */
import {
  CustomVariableSupport,
  createDataFrame,
  FieldType,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type MetricFindValue,
  type ScopedVars,
} from '@grafana/data';
import { from, map, type Observable } from 'rxjs';
import { DIMENSION_IDS, DEFAULTS } from '../shared';
import type { TokenscopeApi } from './api-client';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { interpolateList, interpolateValue, selectsAll, type TemplateReplacer } from './interpolate';
import type { DataSource } from './datasource';
import type { TokenscopeOptions, TokenscopeQuery, TokenscopeVariableQuery } from './types';

export interface DimensionValuesRequest {
  /** A dimension id or a variable that resolves to one. */
  dimension: string;
  /** Saved-style filters: values may be template variables. */
  filters?: Partial<Record<string, string[]>>;
  /** Epoch ms; without them the backend looks at the last 30 days. */
  from?: number;
  to?: number;
  scopedVars?: ScopedVars;
}

/** The values of a dimension as `{ text: label, value }`, label order. Rejects with a message naming a bad field. */
export async function findDimensionValues(api: TokenscopeApi, templateSrv: TemplateReplacer, request: DimensionValuesRequest): Promise<MetricFindValue[]> {
  const dimension = interpolateValue(templateSrv, request.dimension, request.scopedVars, 'dimension');
  if (!(DIMENSION_IDS as readonly string[]).includes(dimension)) {
    throw new Error(`dimension: unknown dimension '${dimension}'; valid dimensions: ${DIMENSION_IDS.join(', ')}`);
  }
  const filters: Record<string, string[]> = {};
  for (const [key, entries] of Object.entries(request.filters ?? {})) {
    if (!entries?.length || selectsAll(templateSrv, entries, request.scopedVars)) continue;
    const values = interpolateList(templateSrv, entries, request.scopedVars);
    if (values.length) filters[key] = values;
  }
  const values = await api.getDimensionValues(dimension, { from: request.from, to: request.to, filters });
  return values.map((v) => ({ text: v.label, value: v.value }));
}

/** Variable options as Grafana reads them: string fields named `text` (shown) and `value` (interpolated). */
export function valuesFrame(values: MetricFindValue[], refId: string): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'text', type: FieldType.string, values: values.map((v) => v.text) },
      { name: 'value', type: FieldType.string, values: values.map((v) => String(v.value ?? v.text)) },
    ],
  });
}

/** Query variables over any dimension's values, with a small editor of their own. */
export class TokenscopeVariableSupport extends CustomVariableSupport<DataSource, TokenscopeVariableQuery, TokenscopeQuery, TokenscopeOptions> {
  editor = VariableQueryEditor;

  constructor(
    private readonly api: TokenscopeApi,
    private readonly templateSrv: () => TemplateReplacer,
  ) {
    super();
  }

  query(request: DataQueryRequest<TokenscopeVariableQuery>): Observable<DataQueryResponse> {
    const target = request.targets[0];
    const values = findDimensionValues(this.api, this.templateSrv(), {
      dimension: target?.dimension || DEFAULTS.dimension,
      filters: target?.filters,
      from: request.range?.from.valueOf(),
      to: request.range?.to.valueOf(),
      scopedVars: request.scopedVars,
    });
    return from(values).pipe(map((list) => ({ data: [valuesFrame(list, target?.refId ?? 'variable')] })));
  }
}
