/**
 * The plugin's DataSource as Grafana would hold it, for tests outside Grafana: instance settings with the
 * proxy URL, Grafana's BackendSrv and TemplateSrv set to the stand-ins of grafana-proxy.ts and template-srv.ts,
 * and a helper that builds a DataQueryRequest the way a panel does. Needs a jsdom test environment.
 */
import { dateTime, type DataQueryRequest, type DataQueryResponse, type DataSourceInstanceSettings } from '@grafana/data';
import { setBackendSrv, setTemplateSrv, type BackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import pluginJson from '../../src/plugin/plugin.json';
import { DataSource } from '../../src/plugin/datasource';
import type { TokenscopeOptions, TokenscopeQuery } from '../../src/plugin/types';
import { createProxyFetchSrv, proxyUrlOf, type ProxiedDataSource } from './grafana-proxy';
import { createTemplateSrv, type TestVariable } from './template-srv';

export const DATASOURCE_UID = 'tokenscope';

export function instanceSettings(uid: string, jsonData: TokenscopeOptions): DataSourceInstanceSettings<TokenscopeOptions> {
  return {
    id: 1,
    uid,
    type: pluginJson.id,
    name: 'Tokenscope',
    access: 'proxy',
    url: proxyUrlOf(uid),
    jsonData,
    readOnly: false,
    meta: { id: pluginJson.id, name: pluginJson.name, type: 'datasource', info: {} } as DataSourceInstanceSettings['meta'],
  };
}

/**
 * A DataSource whose requests go through the stand-in proxy to `backendUrl` with `apiToken`, using Grafana's
 * getBackendSrv/getTemplateSrv singletons (set here), exactly as inside Grafana.
 */
export function grafanaDataSource(options: {
  backendUrl: string;
  apiToken?: string;
  variables?: TestVariable[];
  uid?: string;
  jsonData?: Partial<TokenscopeOptions>;
}) {
  const uid = options.uid ?? DATASOURCE_UID;
  const stored: ProxiedDataSource = { uid, jsonData: { url: options.backendUrl }, secureJsonData: options.apiToken ? { apiToken: options.apiToken } : {} };
  const fetchSrv = createProxyFetchSrv([stored]);
  setBackendSrv(fetchSrv as unknown as BackendSrv);
  setTemplateSrv(createTemplateSrv(options.variables ?? []));
  const ds = new DataSource(instanceSettings(uid, { ...options.jsonData, url: options.backendUrl }));
  return { ds, fetchSrv, setVariables: (variables: TestVariable[]) => setTemplateSrv(createTemplateSrv(variables)) };
}

/** A panel's request: range [from, to) in epoch ms, the dashboard time zone, interval and max data points. */
export function queryRequest(
  targets: Array<Partial<TokenscopeQuery> & { refId: string }>,
  options: {
    from: number;
    to: number;
    timezone?: string;
    intervalMs?: number;
    maxDataPoints?: number;
    filters?: DataQueryRequest['filters'];
    scopedVars?: DataQueryRequest['scopedVars'];
  },
): DataQueryRequest<TokenscopeQuery> {
  return {
    requestId: 'test',
    interval: '1m',
    intervalMs: options.intervalMs ?? 60_000,
    maxDataPoints: options.maxDataPoints ?? 1000,
    range: { from: dateTime(options.from), to: dateTime(options.to), raw: { from: dateTime(options.from), to: dateTime(options.to) } },
    scopedVars: options.scopedVars ?? {},
    targets: targets as TokenscopeQuery[],
    timezone: options.timezone ?? 'utc',
    app: 'dashboard',
    startTime: Date.now(),
    filters: options.filters,
  };
}

export function runQuery(ds: DataSource, request: DataQueryRequest<TokenscopeQuery>): Promise<DataQueryResponse> {
  return lastValueFrom(ds.query(request));
}
