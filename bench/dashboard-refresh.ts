/**
 * A full refresh of each committed dashboard, as Grafana sends it: every query variable's values request and
 * every panel's query, built by the plugin's own request builder from dashboards/*.json with the variables at
 * their saved values, over the dashboard's own time range ending at `to`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dashboard, Panel, VariableModel } from '@grafana/schema';
import { DASHBOARDS } from '../dashboards/src/dashboards';
import { interpolateList, selectsAll } from '../src/plugin/interpolate';
import { buildRequest } from '../src/plugin/request';
import type { TokenscopeQuery } from '../src/plugin/types';
import { createTemplateSrv } from '../test/support/template-srv';

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  /** A JSON body. */
  body?: unknown;
  /** An NDJSON body, sent as is. */
  ndjson?: Buffer;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_DATA_POINTS = 1000;

/** `now-7d` as milliseconds before now. */
function rangeMs(from: string): number {
  const match = /^now-(\d+)([mhd])$/.exec(from);
  if (!match) throw new Error(`dashboard time range '${from}' is not of the form now-<n><m|h|d>`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** Each dashboard's refresh: its name and the requests, ending at `to`. */
export function dashboardRefreshes(to: number): { name: string; requests: HttpRequest[] }[] {
  return DASHBOARDS.map(({ file }) => {
    const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'dashboards', file), 'utf8')) as Dashboard;
    const variables = (dashboard.templating?.list ?? []) as VariableModel[];
    const templateSrv = createTemplateSrv(variables.map((v) => ({ name: v.name, value: (v.current?.value ?? '') as string | string[], options: [] })));
    const from = to - rangeMs(String(dashboard.time?.from ?? 'now-7d'));
    const requests: HttpRequest[] = [];
    for (const v of variables) {
      if (v.type !== 'query') continue;
      const query = v.query as { dimension: string; filters?: Record<string, string[]> };
      const filters: Record<string, string[]> = {};
      for (const [key, entries] of Object.entries(query.filters ?? {})) {
        if (!entries.length || selectsAll(templateSrv, entries, undefined)) continue;
        filters[key] = interpolateList(templateSrv, entries, undefined);
      }
      const params = new URLSearchParams({ from: String(from), to: String(to), ...(Object.keys(filters).length ? { filters: JSON.stringify(filters) } : {}) });
      requests.push({ method: 'GET', path: `/api/v1/dimensions/${query.dimension}/values?${params}` });
    }
    const panels = (dashboard.panels ?? []).flatMap((p) => (p.type === 'row' ? ((p as { panels?: Panel[] }).panels ?? []) : [p as Panel]));
    for (const panel of panels) {
      for (const target of (panel.targets ?? []) as unknown as TokenscopeQuery[]) {
        const built = buildRequest(
          target,
          { from, to, timezone: 'utc', intervalMs: Math.max(60_000, Math.floor((to - from) / MAX_DATA_POINTS)), maxDataPoints: MAX_DATA_POINTS },
          templateSrv,
        );
        if (!built.ok) throw new Error(`${file}: ${built.error}`);
        requests.push({ method: 'POST', path: '/api/v1/query', body: built.body });
      }
    }
    return { name: dashboard.title ?? file, requests };
  });
}

/** Sends requests to a backend; rejects on any answer but 200. */
export async function send(url: string, request: HttpRequest): Promise<unknown> {
  const res = await fetch(url + request.path, {
    method: request.method,
    headers: request.ndjson ? { 'content-type': 'application/x-ndjson' } : request.body === undefined ? {} : { 'content-type': 'application/json' },
    body: request.ndjson ? new Uint8Array(request.ndjson) : request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${request.method} ${request.path.split('?')[0]} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}
