/** The URL of the backend's CSV export (GET /api/v1/export) through Grafana's data source proxy, for panel links. */
import { DATASOURCE_UID } from './panels';

/**
 * The plugin route (plugin.json `routes[].path`) that Grafana's proxy swaps for the backend URL and to which it
 * adds the token, so the browser never holds it.
 */
export const PROXY_ROUTE_PATH = 'api';

/** Where the browser fetches `<backend>/<path>` through Grafana: the proxy by data source uid, never by numeric id. */
export function proxiedBackendPath(path: string): string {
  return `/api/datasources/proxy/uid/${DATASOURCE_UID}/${PROXY_ROUTE_PATH}/${path.replace(/^\//, '')}`;
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
