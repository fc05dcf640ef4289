// @vitest-environment jsdom
/**
 * The dashboards' own queries, run the way Grafana runs them: through the plugin's DataSource (its variable
 * support, interpolation and frames), Grafana's data source proxy as plugin.json routes it (with the
 * provisioned settings and a read token), against a real backend seeded with demo traffic. Every panel must
 * get data; the ranking list must show the backend's Top N; "Download detailed data" must return the CSV.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTheme,
  getFieldDisplayValues,
  standardTransformers,
  standardTransformersRegistry,
  transformDataFrame,
  FieldType,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataTransformerConfig,
  type FieldConfigSource,
  type ReduceDataOptions,
  type TransformerRegistryItem,
} from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import type { Dashboard, Panel } from '@grafana/schema';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { USAGE_RANKING_UID } from '../../dashboards/src/usage-ranking';
import { TREND_METRICS, USAGE_TREND_UID } from '../../dashboards/src/usage-trend';
import pluginJson from '../../src/plugin/plugin.json';
import { DataSource } from '../../src/plugin/datasource';
import type { TokenscopeOptions, TokenscopeQuery, TokenscopeVariableQuery } from '../../src/plugin/types';
import type { RankingResponse } from '../../src/shared';
import { instanceSettings, queryRequest } from '../support/grafana-datasource';
import { createProxyFetchSrv, routeRequest, type ProxiedDataSource } from '../support/grafana-proxy';
import { createTemplateSrv, type TestVariable } from '../support/template-srv';
import { startDemoProcess, type DemoProcess } from '../support/demo-process';
import { REPO, committedDashboards, panelsOf, variablesOf } from './dashboard-model';

const READ_TOKEN = 'dashboards-read-token-0123456789';
const INGEST_TOKEN = 'dashboards-ingest-token-0123456789';
const DAY = 86_400_000;

let demo: DemoProcess;
/** The provisioned data source as Grafana stores it, with the environment compose gives Grafana. */
let provisioned: ProxiedDataSource;
/**
 * "now" for every dashboard range: taken before the demo starts, so its live trickle (events from its start on)
 * never changes the numbers between two queries of a test, while the seeded history fills the ranges.
 */
let now: number;

beforeAll(async () => {
  now = Date.now();
  // The backend as docker-compose.yml runs it (tokenscope demo, auth on), with three days of history.
  demo = await startDemoProcess({ days: 3, env: { TOKENSCOPE_READ_TOKENS: READ_TOKEN, TOKENSCOPE_INGEST_TOKENS: INGEST_TOKEN } });
  const yaml = parseYaml(readFileSync(join(REPO, 'provisioning/datasources/tokenscope.yaml'), 'utf8')) as {
    datasources: Array<{ uid: string; jsonData: Record<string, string>; secureJsonData: Record<string, string> }>;
  };
  const env: Record<string, string> = { TOKENSCOPE_URL: demo.url, TOKENSCOPE_READ_TOKEN: READ_TOKEN };
  const fill = (values: Record<string, string>) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.replace(/\$\{?(\w+)\}?/g, (_m, name: string) => env[name] ?? '')]));
  const [ds] = yaml.datasources;
  provisioned = { uid: ds.uid, jsonData: fill(ds.jsonData), secureJsonData: fill(ds.secureJsonData) };
});
afterAll(() => demo?.stop());

/** A dashboard open in Grafana: the plugin's DataSource for the provisioned data source, and the variables' state. */
class OpenDashboard {
  readonly ds: DataSource;
  /** Each variable's selected value(s) and, for query variables, the options it loaded. */
  private readonly values = new Map<string, TestVariable>();
  private templateSrv: TemplateSrv;

  constructor(readonly dashboard: Dashboard) {
    for (const v of variablesOf(dashboard)) {
      const value = v.current?.value ?? '';
      this.values.set(v.name, { name: v.name, value, ...(v.includeAll ? { options: [] } : {}) });
    }
    this.templateSrv = createTemplateSrv([...this.values.values()]);
    this.ds = new DataSource(instanceSettings(provisioned.uid, provisioned.jsonData as TokenscopeOptions), {
      fetchSrv: () => createProxyFetchSrv([provisioned]),
      templateSrv: () => this.templateSrv,
    });
  }

  set(name: string, change: Partial<TestVariable>): void {
    const current = this.values.get(name);
    if (!current) throw new Error(`${this.dashboard.uid} has no variable ${name}`);
    this.values.set(name, { ...current, ...change });
    this.templateSrv = createTemplateSrv([...this.values.values()]);
  }

  replace(text: string): string {
    return this.templateSrv.replace(text);
  }

  request<Q extends TokenscopeQuery | TokenscopeVariableQuery>(targets: Q[]): DataQueryRequest<Q> {
    const span = { 'now-3d': 3 * DAY, 'now-7d': 7 * DAY }[this.dashboard.time!.from];
    if (!span) throw new Error(`no span known for ${this.dashboard.time!.from}`);
    return queryRequest(targets as unknown as TokenscopeQuery[], {
      from: now - span,
      to: now,
      timezone: this.dashboard.timezone,
      intervalMs: 600_000,
    }) as unknown as DataQueryRequest<Q>;
  }

  /** Refreshes the query variables in order, as Grafana does on load; returns each one's option values. */
  async loadVariables(): Promise<Map<string, string[]>> {
    const loaded = new Map<string, string[]>();
    for (const variable of variablesOf(this.dashboard).filter((v) => v.type === 'query')) {
      const query = variable.query as unknown as TokenscopeVariableQuery;
      const support = this.ds.variables as unknown as { query(r: DataQueryRequest<TokenscopeVariableQuery>): ReturnType<DataSource['query']> };
      const response = await lastValueFrom(support.query(this.request([query])));
      expect(response.errors ?? [], variable.name).toEqual([]);
      const values = (response.data[0] as DataFrame).fields.find((f) => f.name === 'value')!.values as string[];
      this.set(variable.name, { options: values });
      loaded.set(variable.name, values);
    }
    return loaded;
  }

  run(panel: Panel): Promise<DataQueryResponse> {
    return lastValueFrom(this.ds.query(this.request((panel.targets ?? []) as unknown as TokenscopeQuery[])));
  }
}

/** Asserts the panel got frames with rows, and (unless `anyValue` is false) some value above zero. */
function expectData(response: DataQueryResponse, title: string, anyValue = true): DataFrame[] {
  expect(response.errors ?? [], title).toEqual([]);
  const frames = response.data as DataFrame[];
  expect(frames.length, `${title}: no frames`).toBeGreaterThan(0);
  for (const frame of frames) {
    expect(frame.length, `${title}: empty frame`).toBeGreaterThan(0);
    const numbers = frame.fields.filter((f) => f.type === FieldType.number).flatMap((f) => f.values as Array<number | null>);
    if (anyValue)
      expect(
        numbers.some((v) => v !== null && v > 0),
        `${title}: no value above zero`,
      ).toBe(true);
  }
  return frames;
}

// Grafana's app registers the standard transformers at start (their editors and images are UI-only); some
// are listed under two names, so each id once.
standardTransformersRegistry.setInit(() =>
  [...new Map(Object.values(standardTransformers).map((t) => [t.id, t])).values()].map(
    (t) => ({ id: t.id, name: t.name, transformation: t }) as unknown as TransformerRegistryItem,
  ),
);

const dashboardByUid = (uid: string) => committedDashboards().find((d) => d.dashboard.uid === uid)!.dashboard;

describe('Usage Ranking against a demo-seeded backend', () => {
  const dashboard = dashboardByUid(USAGE_RANKING_UID);
  const bargauge = panelsOf(dashboard).find((p) => p.type === 'bargauge')!;

  test('the model type list comes from the data source and holds the default, text generation', async () => {
    const loaded = await new OpenDashboard(dashboard).loadVariables();
    expect(loaded.get('model_type')).toContain('text_generation');
    expect(loaded.get('model_type')!.length).toBeGreaterThan(1);
  });

  test.each(['service', 'model', 'api_key'])('every panel gets data, ranked by %s', async (dimension) => {
    const open = new OpenDashboard(dashboard);
    await open.loadVariables();
    open.set('dimension', { value: dimension });
    for (const panel of panelsOf(dashboard)) expectData(await open.run(panel), `${panel.title} by ${dimension}`);
  });

  test('the stat panels add up: total = input + output', async () => {
    const open = new OpenDashboard(dashboard);
    await open.loadVariables();
    const value = async (title: string) => {
      const panel = panelsOf(dashboard).find((p) => p.title === title)!;
      return (expectData(await open.run(panel), title)[0].fields[0].values as number[])[0];
    };
    const [total, input, output] = [await value('Total Tokens Consumed'), await value('Input Tokens'), await value('Output Tokens')];
    expect(total).toBe(input + output);
  });

  test('the cost card shows the cost, and the unpriced tokens beside it only when there are any', async () => {
    const card = panelsOf(dashboard).find((p) => p.title === 'Cost')!;
    const shownValues = async (modelType: string) => {
      const open = new OpenDashboard(dashboard);
      await open.loadVariables();
      open.set('model_type', { value: modelType });
      const response = await open.run(card);
      expect(response.errors ?? []).toEqual([]);
      const shown = await lastValueFrom(
        transformDataFrame((card.transformations ?? []) as DataTransformerConfig[], response.data as DataFrame[], {
          interpolate: (text: string) => open.replace(text),
        }),
      );
      return getFieldDisplayValues({
        data: shown,
        reduceOptions: (card.options as { reduceOptions: ReduceDataOptions }).reduceOptions,
        fieldConfig: card.fieldConfig as FieldConfigSource,
        replaceVariables: (text: string) => text,
        theme: createTheme(),
      }).map((v) => [v.display.title, v.display.numeric, `${v.display.prefix ?? ''}${v.display.text}${v.display.suffix ?? ''}`]);
    };
    // The demo calls models the default price table has no price for (kimi-k2.5, among others).
    const priced = await shownValues('text_generation');
    expect(priced.map(([title]) => title)).toEqual(['Cost', 'Unpriced Tokens']);
    expect(priced[0][1]).toBeGreaterThan(0);
    expect(priced[1][1]).toBeGreaterThan(0);
    expect(priced[0][2]).toMatch(/^\$\d/); // the data source's unit for USD
    // A model type without calls: nothing unpriced, so the card shows the cost alone.
    expect((await shownValues('no_such_type')).map(([title, value]) => [title, value])).toEqual([['Cost', 0]]);
  });

  test.each([5, 20])('the ranking list shows the backend’s Top %i keys, largest first, without "other" or the share column', async (topN) => {
    const open = new OpenDashboard(dashboard);
    await open.loadVariables();
    open.set('topN', { value: String(topN) });
    open.set('dimension', { value: 'api_key' });
    const request = open.request([]);
    const frames = expectData(await open.run(bargauge), bargauge.title!);

    // What the panel draws: its transformations, then the bar gauge's own reduction, with Grafana's functions.
    const shown = await lastValueFrom(
      transformDataFrame((bargauge.transformations ?? []) as DataTransformerConfig[], frames, { interpolate: (text: string) => open.replace(text) }),
    );
    const bars = getFieldDisplayValues({
      data: shown,
      reduceOptions: (bargauge.options as { reduceOptions: ReduceDataOptions }).reduceOptions,
      fieldConfig: bargauge.fieldConfig as FieldConfigSource,
      replaceVariables: (text: string) => text,
      theme: createTheme(),
    });

    // The backend's own ranking for the same range and variables, asked directly.
    const res = await fetch(`${demo.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${READ_TOKEN}` },
      body: JSON.stringify({
        type: 'ranking',
        from: request.range.from.valueOf(),
        to: request.range.to.valueOf(),
        dimension: 'api_key',
        limit: topN,
        metrics: ['total_tokens'],
        filters: { model_type: ['text_generation'] },
      }),
    });
    expect(res.status).toBe(200);
    const expected = (await res.json()) as RankingResponse;
    expect(expected.other).not.toBeNull();
    expect(bars.map((b) => b.display.title)).toEqual(expected.rows.map((r) => r.label));
    expect(bars.map((b) => b.display.numeric)).toEqual(expected.rows.map((r) => r.metrics.total_tokens));
    expect(bars).toHaveLength(topN);
  });

  test('"Download detailed data" returns the CSV export of the current range and variables through the proxy', async () => {
    const open = new OpenDashboard(dashboard);
    const range = open.request([]).range;
    const globals: Record<string, string> = { __from: String(range.from.valueOf()), __to: String(range.to.valueOf()), __timezone: 'Asia/Kolkata' };
    const href = open.replace(bargauge.links![0].url!).replace(/\$\{(__\w+)\}/g, (_m, name: string) => globals[name]);
    const proxyPrefix = `${instanceSettings(provisioned.uid, {}).url}/`;
    expect(href.startsWith(proxyPrefix), href).toBe(true);
    const target = routeRequest(pluginJson.routes, href.slice(proxyPrefix.length), provisioned);
    expect(target, `no plugin route for ${href}`).not.toBeNull();
    const res = await fetch(target!.url, { headers: target!.headers });
    const csv = await res.text();
    expect(res.status, csv).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="tokenscope-model-/);
    const [header, ...rows] = csv.trim().split('\n');
    expect(header.split(',').slice(0, 3)).toEqual(['time', 'model', 'total_tokens']);
    expect(rows.length).toBeGreaterThan(0);
    // Buckets aligned in the requested zone: India is UTC+05:30.
    expect(rows[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30,/);
  });
});

describe('Usage Trend against a demo-seeded backend', () => {
  const dashboard = dashboardByUid(USAGE_TREND_UID);
  const charts = () => panelsOf(dashboard).filter((p) => p.type === 'timeseries');
  const largestCalls = () => panelsOf(dashboard).find((p) => p.title === 'Largest calls')!;

  test('the filters offer the data source’s values, each narrowed by the model type', async () => {
    const open = new OpenDashboard(dashboard);
    const text = await open.loadVariables();
    for (const name of ['model_type', 'service', 'api_key', 'model']) expect(text.get(name)!.length, name).toBeGreaterThan(0);
    // Embedding models are not text generation: the model list for one type shares nothing with the other's.
    open.set('model_type', { value: 'embedding' });
    const embedding = await open.loadVariables();
    expect(embedding.get('model')!.length).toBeGreaterThan(0);
    expect(embedding.get('model')!.filter((m) => text.get('model')!.includes(m))).toEqual([]);
  });

  test.each(['auto', '1m', '5m', '1h'])('every panel (one per metric) gets one series per model at granularity %s', async (granularity) => {
    const open = new OpenDashboard(dashboard);
    const loaded = await open.loadVariables();
    open.set('granularity', { value: granularity });
    const panels = charts();
    expect(panels).toHaveLength(TREND_METRICS.length);
    for (const panel of panels) {
      const [frame] = expectData(await open.run(panel), `${panel.title} at ${granularity}`);
      const series = frame.fields.filter((f) => f.type === FieldType.number);
      expect(series.map((f) => f.labels?.model).sort(), panel.title).toEqual([...loaded.get('model')!].sort());
    }
  });

  test('choosing models narrows every panel to those models', async () => {
    const open = new OpenDashboard(dashboard);
    const loaded = await open.loadVariables();
    const chosen = loaded.get('model')!.slice(0, 2);
    open.set('model', { value: chosen });
    for (const panel of charts()) {
      // Two models may both lack some metric (cache writes are reported by some models only): rows, not values.
      const [frame] = expectData(await open.run(panel), panel.title!, false);
      expect(
        frame.fields
          .filter((f) => f.type === FieldType.number)
          .map((f) => f.labels?.model)
          .sort(),
        panel.title,
      ).toEqual([...chosen].sort());
    }
  });

  test('"Largest calls" lists the largest calls of the range, largest first, narrowed by the filters', async () => {
    const open = new OpenDashboard(dashboard);
    const loaded = await open.loadVariables();
    const [all] = expectData(await open.run(largestCalls()), 'Largest calls');
    const column = (frame: DataFrame, name: string) => frame.fields.find((f) => f.name === name)!.values as unknown[];
    expect(all.length).toBe(20);
    const totals = column(all, 'total_tokens') as number[];
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    expect(new Set(column(all, 'model_type'))).toEqual(new Set(['text_generation']));
    const chosen = loaded.get('model')!.slice(0, 1);
    open.set('model', { value: chosen });
    const [narrowed] = expectData(await open.run(largestCalls()), 'Largest calls for one model');
    expect(new Set(column(narrowed, 'model'))).toEqual(new Set(chosen));
    // The masked label is shown; the stored key id rides along hidden, for the row's link.
    expect(column(narrowed, 'api_key').every((k) => typeof k === 'string' && !/^sk-[a-z]+-[0-9a-f]{20,}/.test(k))).toBe(true);
  });
});
