/**
 * The provisioned dashboards: committed JSON equals what the typed code generates, every query target is a
 * valid API query once its variables are set, every variable used is defined, panels reference the data
 * source by its provisioned uid, and each page has the variables, panels, legends and quick ranges it promises.
 */
import { describe, expect, test } from 'vitest';
import type { Dashboard, VariableModel } from '@grafana/schema';
import { DASHBOARDS, dashboardJson } from '../../dashboards/src/dashboards';
import { DATASOURCE_UID, PLUGIN_ID } from '../../dashboards/src/panels';
import { USAGE_RANKING_UID } from '../../dashboards/src/usage-ranking';
import { USAGE_TREND_UID } from '../../dashboards/src/usage-trend';
import { ROUTE_PATH } from '../../src/plugin/api-client';
import { queryFromParams } from '../../src/server/routes/query-params';
import { METRICS, METRIC_IDS, metricDefinition, parseApiQuery, toApiQuery, type MetricId, type SavedQuery } from '../../src/shared';
import {
  GLOBAL_VARIABLES,
  committedDashboards,
  customChoices,
  defaultValues,
  interpolateQuery,
  panelsOf,
  referencedVariables,
  targetsOf,
  variablesOf,
  type VariableValue,
} from './dashboard-model';

const dashboards = committedDashboards();
const byUid = (uid: string): Dashboard => {
  const found = dashboards.find((d) => d.dashboard.uid === uid);
  if (!found) throw new Error(`no committed dashboard with uid ${uid}`);
  return found.dashboard;
};
const variable = (dashboard: Dashboard, name: string): VariableModel => {
  const found = variablesOf(dashboard).find((v) => v.name === name);
  if (!found) throw new Error(`${dashboard.uid}: no variable ${name}`);
  return found;
};
const NOW = Date.UTC(2026, 0, 15, 12);
const context = { from: NOW - 7 * 86_400_000, to: NOW, timezone: 'Europe/Berlin', intervalMs: 600_000, maxDataPoints: 1000 };

/** Every combination of the fixed-list variables' choices, other variables at their defaults. */
function valueCombinations(dashboard: Dashboard): Array<Map<string, VariableValue>> {
  let combos = [defaultValues(dashboard)];
  for (const v of variablesOf(dashboard).filter((v) => v.type === 'custom')) {
    combos = combos.flatMap((base) => customChoices(v).map((choice) => new Map(base).set(v.name, choice)));
  }
  return combos;
}

function expectValidQuery(query: SavedQuery, values: Map<string, VariableValue>, where: string): void {
  const parsed = parseApiQuery(toApiQuery(interpolateQuery(query, values), context));
  expect(parsed.ok ? [] : parsed.errors, `${where} with ${JSON.stringify(Object.fromEntries(values))}`).toEqual([]);
}

test('the committed JSON is what `npm run dashboards` generates (no drift)', () => {
  expect(dashboards.map((d) => d.file)).toEqual(DASHBOARDS.map((d) => d.file));
  for (const { file, build } of DASHBOARDS) {
    const committed = dashboards.find((d) => d.file === file)!.text;
    expect(committed, `dashboards/${file} differs from the code: run npm run dashboards`).toBe(dashboardJson(build()));
  }
});

test('the dashboards keep their fixed uids (alert links and the home page point at them)', () => {
  expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual([USAGE_RANKING_UID, USAGE_TREND_UID].sort());
  expect([USAGE_RANKING_UID, USAGE_TREND_UID]).toEqual(['tokenscope-usage-ranking', 'tokenscope-usage-trend']);
});

describe.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s', (_file, dashboard) => {
  test('every panel and target uses the provisioned data source uid, and no data source is named by numeric id', () => {
    const expected = { type: PLUGIN_ID, uid: DATASOURCE_UID };
    for (const panel of panelsOf(dashboard)) {
      expect(panel.datasource, panel.title).toEqual(expected);
      expect(targetsOf(panel).length, `${panel.title} has no query`).toBeGreaterThan(0);
      for (const t of panel.targets ?? []) expect(t.datasource, panel.title).toEqual(expected);
    }
    for (const v of variablesOf(dashboard).filter((v) => v.type === 'query')) expect(v.datasource, v.name).toEqual(expected);
    const refs: unknown[] = [];
    JSON.stringify(dashboard, (key, value) => (key === 'datasource' && refs.push(value), value));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(Object.keys(ref as object).sort()).toEqual(['type', 'uid']);
  });

  test('every variable referenced in panels, links and variable queries is defined (or one of Grafana’s own)', () => {
    const defined = new Set(variablesOf(dashboard).map((v) => v.name));
    const used = new Set([...referencedVariables(dashboard.panels), ...referencedVariables(variablesOf(dashboard).map((v) => v.query))]);
    expect(used.size).toBeGreaterThan(0);
    const undefinedOnes = [...used].filter((name) => !defined.has(name) && !GLOBAL_VARIABLES.has(name));
    expect(undefinedOnes).toEqual([]);
    // A variable nobody uses is a control that does nothing.
    expect([...defined].filter((name) => !used.has(name))).toEqual([]);
  });

  test('every target is a valid API query with the default variable values and with every choice of the fixed lists', () => {
    const combos = valueCombinations(dashboard);
    for (const panel of panelsOf(dashboard)) {
      for (const query of targetsOf(panel)) for (const values of combos) expectValidQuery(query, values, panel.title!);
    }
  });

  test('every variable default is one of its choices, and query variables ask for the dimension they are named after', () => {
    for (const v of variablesOf(dashboard)) {
      if (v.type === 'custom') expect(customChoices(v), v.name).toContain(v.current?.value);
      if (v.type === 'query') expect((v.query as { dimension?: string }).dimension, v.name).toBe(v.name);
    }
  });

  test('the time picker offers the quick ranges of the Usage Statistics page', () => {
    expect(dashboard.timepicker?.quick_ranges).toEqual([
      { display: 'Last 1 hour', from: 'now-1h', to: 'now' },
      { display: 'Today', from: 'now/d', to: 'now' },
      { display: 'Last 3 days', from: 'now-3d', to: 'now' },
      { display: 'Last 7 days', from: 'now-7d', to: 'now' },
      { display: 'Last 30 days', from: 'now-30d', to: 'now' },
    ]);
  });

  test('a panel carries the catalogue definition of each metric it can show; money and switchable panels leave the unit to the data', () => {
    const metricVariable = variablesOf(dashboard).find((v) => v.name === 'metric');
    for (const panel of panelsOf(dashboard)) {
      // `$metric` stands for each of its choices; the cost card also shows unpriced tokens (a second target).
      const metrics = [...new Set(targetsOf(panel).flatMap((q) => q.metrics))].flatMap((m) => (m === '$metric' ? customChoices(metricVariable!) : [m]));
      const defs = metrics.map((m) => metricDefinition(m as MetricId));
      for (const def of defs) expect(panel.description, panel.title).toContain(def.description);
      // One unit for the panel only when every field it can show has that unit and it is not money: the data
      // source gives money the unit of the server's currency, and a panel unit would override it.
      const units = new Set(defs.map((d) => d.grafanaUnit));
      const fixed = units.size === 1 && defs.every((d) => d.unit !== 'currency');
      expect(panel.fieldConfig?.defaults.unit, panel.title).toBe(fixed ? [...units][0] : undefined);
    }
  });
});

describe('Usage Ranking', () => {
  const dashboard = byUid(USAGE_RANKING_UID);

  test('offers dimension, Top N, granularity and model type, with the page’s defaults', () => {
    expect(variablesOf(dashboard).map((v) => v.name)).toEqual(['dimension', 'metric', 'topN', 'granularity', 'model_type']);
    expect(variable(dashboard, 'metric').options?.map((o) => [o.text, o.value])).toEqual([
      ['Total Tokens', 'total_tokens'],
      ['Cost', 'cost'],
    ]);
    const dimension = variable(dashboard, 'dimension');
    expect(dimension.options?.map((o) => [o.text, o.value])).toEqual([
      ['By Service', 'service'],
      ['By Model', 'model'],
      ['By Key', 'api_key'],
    ]);
    expect(customChoices(variable(dashboard, 'topN'))).toEqual(['5', '10', '20', '50']);
    expect(customChoices(variable(dashboard, 'granularity'))).toEqual(['auto', '1m', '5m', '1h', '1d']);
    const modelType = variable(dashboard, 'model_type');
    expect(modelType).toMatchObject({ type: 'query', multi: false, current: { value: 'text_generation' } });
  });

  test('four stat panels total the range: all, input and output tokens, and the cost', () => {
    const stats = panelsOf(dashboard).filter((p) => p.type === 'stat');
    expect(stats.map((p) => [p.title, targetsOf(p)[0].queryType, targetsOf(p)[0].metrics])).toEqual([
      ['Total Tokens Consumed', 'totals', ['total_tokens']],
      ['Input Tokens', 'totals', ['input_tokens']],
      ['Output Tokens', 'totals', ['output_tokens']],
      ['Cost', 'totals', ['cost']],
    ]);
    expect(stats.map((p) => p.gridPos)).toEqual([0, 6, 12, 18].map((x) => ({ x, y: 0, w: 6, h: 4 })));
  });

  test('the cost card shows unpriced tokens beside the cost, only when there are any', () => {
    const card = panelsOf(dashboard).find((p) => p.title === 'Cost')!;
    expect(targetsOf(card).map((t) => [t.refId, t.queryType, t.metrics])).toEqual([
      ['A', 'totals', ['cost']],
      ['B', 'totals', ['unpriced_tokens']],
    ]);
    // Rows of query B whose unpriced total is 0 are dropped; the cost frame is not filtered (it has no such field,
    // and Grafana's filter warns on the console for every frame that lacks it).
    expect(card.transformations).toEqual([
      {
        id: 'filterByValue',
        filter: { id: 'byRefId', options: 'B' },
        options: { type: 'exclude', match: 'any', filters: [{ fieldName: 'Unpriced Tokens', config: { id: 'equal', options: { value: 0 } } }] },
      },
    ]);
    expect(card.fieldConfig?.defaults.decimals).toBe(2);
    // One value per row: the emptied unpriced frame then shows nothing (test/dashboards/dashboards-live.test.ts renders it).
    expect(card.options).toMatchObject({ reduceOptions: { values: true } });
    // Two numbers side by side each say what they are.
    expect(card.options).toMatchObject({ textMode: 'value_and_name' });
  });

  test('the ranking list is one bar per resource of the Top-N ranking, with a CSV download link', () => {
    const ranking = panelsOf(dashboard).find((p) => p.type === 'bargauge')!;
    expect(targetsOf(ranking)).toMatchObject([{ queryType: 'ranking', dimension: '$dimension', limit: '$topN', metrics: ['$metric'] }]);
    expect(ranking.options).toMatchObject({ reduceOptions: { values: true } });
    expect(ranking.links?.map((l) => l.title)).toEqual(['Download detailed data']);
  });

  test('"Download detailed data" calls the backend’s CSV export through the data source proxy with the current range and variables', () => {
    const ranking = panelsOf(dashboard).find((p) => p.type === 'bargauge')!;
    const link = ranking.links![0];
    const values = new Map<string, string>([...defaultValues(dashboard)].map(([k, v]) => [k, String(v)]));
    values.set('__from', String(context.from)).set('__to', String(context.to)).set('__timezone', context.timezone);
    const url = new URL(
      link.url!.replace(/\$\{(\w+)(?::[^}]+)?\}/g, (_m, name: string) => values.get(name) ?? `<undefined ${name}>`),
      'http://grafana',
    );
    expect(url.pathname).toBe(`/api/datasources/proxy/uid/${DATASOURCE_UID}/${ROUTE_PATH}/api/v1/export`);
    const params: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (params[k] ??= []).push(v);
    const parsed = parseApiQuery(queryFromParams(params, 'trend', { metrics: [...METRIC_IDS] }));
    expect(parsed.ok ? parsed.query : parsed.errors).toMatchObject({
      from: context.from,
      to: context.to,
      timezone: context.timezone,
      dimension: 'model',
      limit: 10,
      granularity: 'auto',
      filters: { model_type: ['text_generation'] },
    });
    expect(link.targetBlank).toBe(true);
  });

  test('the trend stacks one bar series per resource, per interval at the chosen granularity', () => {
    const trend = panelsOf(dashboard).find((p) => p.type === 'timeseries')!;
    expect(targetsOf(trend)).toMatchObject([
      { queryType: 'trend', dimension: '$dimension', limit: '$topN', granularity: '$granularity', metrics: ['$metric'] },
    ]);
    expect(trend.fieldConfig?.defaults.custom).toMatchObject({ drawStyle: 'bars', stacking: { mode: 'normal' } });
    expect(trend.fieldConfig?.defaults.color?.mode).toBe('palette-classic');
  });

  test('every panel keeps the chosen model type', () => {
    for (const panel of panelsOf(dashboard)) expect(targetsOf(panel)[0].filters, panel.title).toEqual({ model_type: ['$model_type'] });
  });

  test('a "Top movers" table follows the dimension, the ranked metric and Top N, comparing with the range before', () => {
    const movers = panelsOf(dashboard).filter((p) => targetsOf(p)[0].queryType === 'movers');
    expect(movers.map((p) => [p.type, p.title])).toEqual([['table', 'Top movers · ${dimension:text} by ${metric:text}']]);
    expect(targetsOf(movers[0])).toEqual([
      expect.objectContaining({ queryType: 'movers', dimension: '$dimension', limit: '$topN', metrics: ['$metric'], filters: { model_type: ['$model_type'] } }),
    ]);
    expect(targetsOf(movers[0])[0].offset).toBeUndefined();
  });
});

describe('Usage Trend', () => {
  const dashboard = byUid(USAGE_TREND_UID);

  test('filters by model type first, then service, API key and model, multi-select with values from the data source', () => {
    expect(variablesOf(dashboard).map((v) => v.name)).toEqual(['model_type', 'service', 'api_key', 'model', 'granularity']);
    expect(variable(dashboard, 'model_type')).toMatchObject({ type: 'query', multi: false, current: { value: 'text_generation' } });
    for (const name of ['service', 'api_key', 'model']) {
      expect(variable(dashboard, name), name).toMatchObject({ type: 'query', multi: true, includeAll: true, current: { value: ['$__all'] } });
      // Each list offers only what the model type (and the filters before it) contain.
      expect((variable(dashboard, name).query as { filters: object }).filters, name).toHaveProperty('model_type', ['$model_type']);
    }
    expect(variable(dashboard, 'service').label).toBe('Online Inference Service');
    expect(customChoices(variable(dashboard, 'granularity'))).toEqual(['auto', '1m', '5m', '1h']);
  });

  const charts = () => panelsOf(dashboard).filter((p) => p.type === 'timeseries');

  test('a "Largest calls" table on top lists the largest calls under all four filters', () => {
    // On top is where the grid puts it; its place in the list keeps the metric panels' ids, which alerts link to.
    const byPlace = [...panelsOf(dashboard)].sort((a, b) => a.gridPos!.y - b.gridPos!.y || a.gridPos!.x - b.gridPos!.x);
    const [first, ...rest] = byPlace;
    expect([first.type, first.title, first.gridPos]).toEqual(['table', 'Largest calls', { x: 0, y: 0, w: 24, h: 8 }]);
    expect(targetsOf(first)).toEqual([
      expect.objectContaining({
        queryType: 'calls',
        orderBy: 'total_tokens',
        limit: 20,
        filters: { model_type: ['$model_type'], service: ['$service'], api_key: ['$api_key'], model: ['$model'] },
      }),
    ]);
    expect(rest.every((p) => p.type === 'timeseries' && p.gridPos!.y >= 8)).toBe(true);
  });

  test('one panel per metric of the catalogue, in the page’s order, titled by the catalogue', () => {
    const panels = charts();
    expect(panels.map((p) => targetsOf(p)[0].metrics[0])).toEqual([
      'total_tokens',
      'input_tokens',
      'output_tokens',
      'total_tokens_per_minute',
      'input_tokens_per_minute',
      'output_tokens_per_minute',
      'cache_read_tokens',
      'cache_write_tokens',
      'reasoning_tokens',
      'requests',
      'concurrency',
      'cost',
      'unpriced_tokens',
    ]);
    // Every metric, but the parts of cost: they are in the editor and the CSV export.
    const parts = ['input_cost', 'cache_read_cost', 'cache_write_cost', 'output_cost', 'source_cost'];
    expect(new Set(panels.map((p) => targetsOf(p)[0].metrics[0]))).toEqual(new Set(METRICS.map((m) => m.id).filter((id) => !parts.includes(id))));
    for (const p of panels) expect(p.title).toBe(metricDefinition(targetsOf(p)[0].metrics[0] as MetricId).name);
  });

  test('each panel draws a series per model under all four filters, with a legend table of Max, Min and Mean', () => {
    expect(charts()).toHaveLength(panelsOf(dashboard).length - 1);
    for (const panel of charts()) {
      expect(panel.type, panel.title).toBe('timeseries');
      expect(targetsOf(panel)[0], panel.title).toMatchObject({
        queryType: 'trend',
        dimension: 'model',
        granularity: '$granularity',
        filters: { model_type: ['$model_type'], service: ['$service'], api_key: ['$api_key'], model: ['$model'] },
      });
      const legend = (panel.options as { legend: { displayMode: string; calcs: string[]; showLegend: boolean } }).legend;
      expect(legend.displayMode, panel.title).toBe('table');
      expect(legend.showLegend, panel.title).toBe(true);
      expect([...legend.calcs].sort(), panel.title).toEqual(['max', 'mean', 'min']);
    }
  });
});
