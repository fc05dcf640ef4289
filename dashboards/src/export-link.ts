/** The URL of the backend's CSV export (GET /api/v1/export) through Grafana's data source proxy, for panel links. */
import { ROUTE_PATH } from '../../src/plugin/api-client';
import { DATASOURCE_UID } from './panels';

/**
 * Where the browser fetches `<backend><apiPath>` through Grafana: the proxy by data source uid (never by numeric
 * id), then the plugin route, which Grafana swaps for the backend URL while adding the token server-side.
 */
export function proxiedBackendPath(apiPath: string): string {
  return `/api/datasources/proxy/uid/${DATASOURCE_UID}/${ROUTE_PATH}${apiPath}`;
}

/**
 * The export of the current range and variables. Grafana interpolates `${__from}`/`${__to}` (epoch ms) and
 * `${__timezone}` (the dashboard's zone, `browser` resolved to an IANA name) when the link is clicked.
 */
export function exportUrl(params: { dimension: string; limit: string; granularity: string; filters: Record<string, string> }): string {
  const query = [
    'from=${__from}',
    'to=${__to}',
    'timezone=${__timezone}',
    `dimension=${params.dimension}`,
    `limit=${params.limit}`,
    `granularity=${params.granularity}`,
    ...Object.entries(params.filters).map(([dimension, value]) => `${dimension}=${value}`),
  ];
  return `${proxiedBackendPath('/api/v1/export')}?${query.join('&')}`;
}
