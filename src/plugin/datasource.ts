/** The Grafana data source: wiring only; each job lives in its own module. */
import {
  DataSourceApi,
  type AdHocVariableFilter,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceGetTagKeysOptions,
  type DataSourceGetTagValuesOptions,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getBackendSrv, getTemplateSrv } from '@grafana/runtime';
import type { Observable } from 'rxjs';
import { DEFAULT_SAVED_QUERY, DIMENSIONS } from '../shared';
import { TokenscopeApi, type FetchSrv } from './api-client';
import { checkHealth } from './health';
import { adhocFilterValues } from './adhoc-filters';
import type { TemplateReplacer } from './interpolate';
import { linkSettings } from './links';
import { interpolateQuery } from './request';
import { runQuery } from './run-query';
import type { TokenscopeOptions, TokenscopeQuery } from './types';
import { findDimensionValues, TokenscopeVariableSupport, type DimensionValuesRequest } from './variables';

/**
 * Where the data source gets Grafana's services. Grafana's own (getBackendSrv, getTemplateSrv) by default;
 * a host that is not Grafana (a test, a script) passes its own.
 */
export interface DataSourceServices {
  fetchSrv?: () => FetchSrv;
  templateSrv?: () => TemplateReplacer;
}

export class DataSource extends DataSourceApi<TokenscopeQuery, TokenscopeOptions> {
  readonly api: TokenscopeApi;
  private readonly templateSrv: () => TemplateReplacer;

  constructor(
    readonly instanceSettings: DataSourceInstanceSettings<TokenscopeOptions>,
    services: DataSourceServices = {},
  ) {
    super(instanceSettings);
    this.api = new TokenscopeApi(instanceSettings.url ?? '', services.fetchSrv ?? getBackendSrv);
    this.templateSrv = services.templateSrv ?? getTemplateSrv;
    this.variables = new TokenscopeVariableSupport(this.api, this.templateSrv);
  }

  override getDefaultQuery(): Partial<TokenscopeQuery> {
    return DEFAULT_SAVED_QUERY;
  }

  override filterQuery(query: TokenscopeQuery): boolean {
    return !query.hide;
  }

  override query(request: DataQueryRequest<TokenscopeQuery>): Observable<DataQueryResponse> {
    return runQuery(this.api, this.templateSrv(), request, linkSettings(this.instanceSettings.jsonData));
  }

  /** For Explore and mixed data sources: the queries as they will run. A query that cannot be resolved stays as it is. */
  override interpolateVariablesInQueries(queries: TokenscopeQuery[], scopedVars: ScopedVars, filters?: AdHocVariableFilter[]): TokenscopeQuery[] {
    return queries.map((query) => {
      try {
        return { ...interpolateQuery(query, this.templateSrv(), scopedVars, filters).query, datasource: this.getRef() };
      } catch {
        return query;
      }
    });
  }

  override testDatasource(): Promise<TestDataSourceResponse> {
    return checkHealth(this.api, this.instanceSettings.jsonData);
  }

  /** Ad-hoc filter keys: the four dimensions. */
  override async getTagKeys(_options?: DataSourceGetTagKeysOptions<TokenscopeQuery>): Promise<MetricFindValue[]> {
    return DIMENSIONS.map((d) => ({ text: d.id }));
  }

  /** Ad-hoc filter values: those seen in the time range, narrowed by the other ad-hoc filters. */
  override getTagValues(options: DataSourceGetTagValuesOptions<TokenscopeQuery>): Promise<MetricFindValue[]> {
    const filters: Record<string, string[]> = {};
    // A filter the backend cannot use does not narrow the suggestions; the panel's query says why it fails.
    for (const f of options.filters ?? []) {
      const values = adhocFilterValues(f);
      if (f.key === options.key || values === null) continue;
      filters[f.key] = [...(filters[f.key] ?? []), ...values];
    }
    return this.dimensionValues({ dimension: options.key, filters, from: options.timeRange?.from.valueOf(), to: options.timeRange?.to.valueOf() });
  }

  /** Values of a dimension in a range; used by variables, ad-hoc filters and the editors' suggestions. */
  dimensionValues(request: DimensionValuesRequest): Promise<MetricFindValue[]> {
    return findDimensionValues(this.api, this.templateSrv(), request);
  }

  /** Names of the dashboard's variables, offered as `$name` in the editors. */
  variableNames(): string[] {
    try {
      return this.templateSrv()
        .getVariables()
        .map((v) => `$${v.name}`);
    } catch {
      return [];
    }
  }
}
