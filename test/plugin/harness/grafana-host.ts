/**
 * What every harness page shares with Grafana's frontend: the modules Grafana hands a plugin's AMD define,
 * the loader that runs module.js the way Grafana's does, and a BackendSrv doing plain fetches to the page's
 * own origin (whose server plays Grafana's data source proxy).
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as grafanaData from '@grafana/data';
import type { DataSourceApi, DataSourcePlugin } from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import type { BackendSrv, BackendSrvRequest } from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as rxjs from 'rxjs';

const SHARED: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  rxjs,
};

export interface LoadedPlugin {
  deps: string[];
  exports: { plugin: DataSourcePlugin<DataSourceApi> };
}

/** Loads the built plugin the way Grafana does: a script that calls define(deps, factory). */
export function loadPlugin(url: string): Promise<LoadedPlugin> {
  return new Promise((resolve, reject) => {
    (window as unknown as { define: unknown }).define = (deps: string[], factory: (...m: unknown[]) => unknown) => {
      const missing = deps.filter((d) => !(d in SHARED));
      if (missing.length) return reject(new Error(`module.js needs modules Grafana does not share: ${missing.join(', ')}`));
      resolve({ deps, exports: factory(...deps.map((d) => SHARED[d])) as LoadedPlugin['exports'] });
    };
    const script = document.createElement('script');
    script.src = url;
    script.onerror = () => reject(new Error(`cannot load ${url}`));
    document.head.appendChild(script);
  });
}

/**
 * BackendSrv.fetch over window.fetch, failing with Grafana's FetchError shape. `headers()` adds headers to every
 * request (the dashboard page names the panel a request is for, so the test's proxy can file the answer).
 */
export function createBackendSrv(headers: () => Record<string, string> = () => ({})): BackendSrv {
  return {
    fetch<T>(options: BackendSrvRequest) {
      return new rxjs.Observable<grafanaRuntime.FetchResponse<T>>((subscriber) => {
        const query = new URLSearchParams(options.params ?? {}).toString();
        const url = options.url + (query ? `?${query}` : '');
        fetch(url, {
          method: options.method ?? 'GET',
          headers: { ...headers(), ...(options.data !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: options.data === undefined ? undefined : JSON.stringify(options.data),
        })
          .then(async (res) => {
            const text = await res.text();
            const data = (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
            if (!res.ok) return subscriber.error({ status: res.status, statusText: res.statusText, data, config: options });
            subscriber.next({
              data,
              status: res.status,
              statusText: res.statusText,
              ok: true,
              headers: res.headers,
              redirected: res.redirected,
              type: res.type,
              url,
              config: options,
            });
            subscriber.complete();
          })
          .catch((error) => subscriber.error({ status: 0, statusText: String(error), data: {}, config: options }));
      });
    },
  } as unknown as BackendSrv;
}
