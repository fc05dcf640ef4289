/**
 * Grafana's data source proxy and BackendSrv, stood in for by plain HTTP, so the plugin's requests reach a real
 * backend the way they would inside Grafana. It follows pkg/api/pluginproxy/ds_proxy.go: the request path
 * after `/api/datasources/proxy/uid/<uid>/` is matched against each plugin.json route `path` (both cleaned,
 * prefix match), the route path is cut off the front, and the rest is joined onto the route `url`
 * (util.JoinURLFragments); `{{ .JsonData.x }}` and `{{ .SecureJsonData.x }}` are filled in server-side; a
 * backend 401 comes back as 400 "Authentication to data source failed"; an unreachable backend as 502.
 */
import type { BackendSrvRequest, FetchResponse } from '@grafana/runtime';
import { Observable } from 'rxjs';
import pluginJson from '../../src/plugin/plugin.json';
import type { FetchSrv } from '../../src/plugin/api-client';

export interface PluginRoute {
  path: string;
  url: string;
  headers?: Array<{ name: string; content: string }>;
}

/** A data source as Grafana stores it: secrets only ever read here, on the "server" side. */
export interface ProxiedDataSource {
  uid: string;
  jsonData: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
}

export const PROXY_PREFIX = '/api/datasources/proxy/uid/';

/** A request as it left the proxy for the backend. */
export interface ProxiedCall {
  method: string;
  /** The upstream URL, query string included. */
  url: string;
  body?: unknown;
}

/** What Grafana puts in `instanceSettings.url` for a data source with access `proxy`. */
export function proxyUrlOf(uid: string): string {
  return PROXY_PREFIX + uid;
}

/** The upstream URL and added headers for `proxyPath` (the part after the uid), or null when no route matches. */
export function routeRequest(
  routes: readonly PluginRoute[],
  proxyPath: string,
  ds: ProxiedDataSource,
): { url: string; headers: Record<string, string> } | null {
  const route = routes.find((r) => cleanRelative(proxyPath).startsWith(cleanRelative(r.path)));
  if (!route) return null;
  const rest = proxyPath.startsWith(route.path) ? proxyPath.slice(route.path.length) : proxyPath;
  const base = fillTemplate(route.url, ds);
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)/i.exec(base);
  if (!m) throw new Error(`route url '${base}' is not absolute (is jsonData.url set?)`);
  const headers: Record<string, string> = {};
  for (const h of route.headers ?? []) headers[h.name] = fillTemplate(h.content, ds);
  return { url: m[1] + joinUrlFragments(m[2], rest), headers };
}

/** util.JoinURLFragments. */
export function joinUrlFragments(a: string, b: string): string {
  if (b.length === 0) return a;
  const aslash = a.endsWith('/');
  const bslash = b.startsWith('/');
  if (aslash && bslash) return a + b.slice(1);
  if (!aslash && !bslash) return `${a}/${b}`;
  return a + b;
}

/** util.CleanRelativePath: a cleaned path without leading slash. */
function cleanRelative(path: string): string {
  const parts: string[] = [];
  for (const part of `/${path}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function fillTemplate(text: string, ds: ProxiedDataSource): string {
  return text.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g, (_m, where: string, key: string) => {
    const value = where === 'JsonData' ? ds.jsonData[key] : ds.secureJsonData?.[key];
    return value === undefined || value === null ? '' : String(value);
  });
}

/**
 * A BackendSrv whose `fetch` serves `/api/datasources/proxy/uid/<uid>/…` for the given data sources through the
 * routes of our plugin.json, using Node's fetch. Anything else is a 404, as Grafana would answer.
 */
export function createProxyFetchSrv(dataSources: ProxiedDataSource[], routes: readonly PluginRoute[] = pluginJson.routes): FetchSrv & { calls: ProxiedCall[] } {
  const calls: ProxiedCall[] = [];
  const nodeFetch = globalThis.fetch;
  return {
    calls,
    fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
      return new Observable<FetchResponse<T>>((subscriber) => {
        // Unsubscribing (Grafana cancelling a superseded request) drops the answer; no AbortSignal, since under
        // jsdom the global AbortController is the page's, which Node's fetch does not accept.
        let cancelled = false;
        const fail = (status: number, statusText: string, data: unknown) => {
          if (!cancelled) subscriber.error({ status, statusText, data, config: options });
        };
        (async () => {
          const ds = dataSources.find((d) => options.url.startsWith(proxyUrlOf(d.uid) + '/'));
          if (!ds) return fail(404, 'Not Found', { message: 'Data source not found' });
          const proxyPath = options.url.slice(proxyUrlOf(ds.uid).length + 1);
          const target = routeRequest(routes, proxyPath, ds);
          if (!target) return fail(404, 'Not Found', { message: 'no route' });
          const params = new URLSearchParams(options.params ?? {}).toString();
          const url = target.url + (params ? `?${params}` : '');
          calls.push({ method: options.method ?? 'GET', url, body: options.data });
          let response: Response;
          try {
            response = await nodeFetch(url, {
              method: options.method ?? 'GET',
              headers: { ...(options.data !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers, ...target.headers },
              body: options.data === undefined ? undefined : JSON.stringify(options.data),
            });
          } catch (error) {
            return fail(502, 'Bad Gateway', { message: `proxy error: ${(error as Error).message}` });
          }
          if (response.status === 401) return fail(400, 'Bad Request', 'Authentication to data source failed');
          const text = await response.text();
          const data = (response.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
          if (!response.ok) return fail(response.status, response.statusText, data);
          if (cancelled) return;
          subscriber.next({
            data: data as T,
            status: response.status,
            statusText: response.statusText,
            ok: true,
            headers: response.headers,
            redirected: response.redirected,
            type: response.type,
            url,
            config: options,
          });
          subscriber.complete();
        })().catch((error) => subscriber.error(error));
        return () => {
          cancelled = true;
        };
      });
    },
  };
}
