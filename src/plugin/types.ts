/** The plugin's query, variable-query and settings types: the shared saved query plus what Grafana adds. */
import type { DataQuery, DataSourceJsonData } from '@grafana/data';
import type { DimensionId, SavedQuery } from '../shared';

/** A panel query: the shared saved-query shape (see src/shared/saved-query.ts) inside Grafana's DataQuery. */
export type TokenscopeQuery = SavedQuery & DataQuery;

/** A query variable: the values of one dimension seen in the dashboard's time range. */
export interface TokenscopeVariableQuery extends DataQuery {
  /** `service`, `model`, `api_key`, `model_type`, or a variable such as `$dimension`. */
  dimension: string;
  /** Keep only values seen together with these, e.g. `{ "service": ["$service"] }` for models of a service. */
  filters?: Partial<Record<DimensionId, string[]>>;
}

/** Settings stored in plain jsonData: visible to every viewer, so never a secret. */
export interface TokenscopeOptions extends DataSourceJsonData {
  /** Base URL of the Tokenscope backend as Grafana's server reaches it, e.g. `http://tokenscope:8080`. */
  url?: string;
  /** Uid of the tracing data source that trace ids link to; empty or absent: no trace links. */
  tracingDatasourceUid?: string;
  /** The tracing data source's kind, which decides the query a trace link sends; default `tempo`. */
  tracingDatasourceType?: TracingDatasourceType;
}

/** Tracing data sources a trace id can link to. */
export type TracingDatasourceType = 'tempo' | 'jaeger' | 'zipkin';

/** Settings stored encrypted; Grafana decrypts them only on its server, inside the data source proxy. */
export interface TokenscopeSecureOptions {
  /** A read token of the backend (TOKENSCOPE_READ_TOKENS); sent as `Authorization: Bearer …` by the proxy route. */
  apiToken?: string;
}
