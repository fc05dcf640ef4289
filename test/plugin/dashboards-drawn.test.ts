/**
 * The provisioned dashboards drawn in headless Chromium by Grafana's own visualisation components (see
 * harness/dashboard/), with the built module.js querying a `tokenscope demo` backend through the stand-in
 * proxy, under @grafana/* 12.4 + React 18 and 13.2 + React 19. What each panel shows is read from the DOM the
 * components render and held against the backend's own answers; Inspect's CSV (one per frame) against the same numbers.
 * Screenshots of both dashboards go to test-output/dashboards/ on every run; TOKENSCOPE_DOCS_SCREENSHOTS=1
 * (`npm run screenshots`) also writes the README's pictures to docs/images/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Dashboard, Panel } from '@grafana/schema';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { DEMO_SECRET_KEYS } from '../../src/server/demo/demo-catalogue';
import {
  currencyUnit,
  dimensionDefinition,
  granularityDefinition,
  metricDefinition,
  type DimensionId,
  type FixedGranularity,
  type CallsResponse,
  type MetricId,
  type MoversResponse,
  type QueryResponse,
  type RankingResponse,
  type TotalsResponse,
  type TrendResponse,
} from '../../src/shared';
import { startDemoProcess, type DemoProcess } from '../support/demo-process';
import { systemProgram } from '../support/system-program';
import { buildPlugin, REPO } from './build-plugin';
import { DashboardSite, type OpenDashboard, type OpenOptions } from './dashboard-site';
import { buildHarness, CHROMIUM_ARGS, type GrafanaLine } from './harness-site';

const chromiumProgram = systemProgram(['chromium', 'chromium-browser'], "Debian's chromium package: apt-get install chromium");
const OUT = join(REPO, 'test-output', 'dashboards');
const DOCS_IMAGES = join(REPO, 'docs', 'images');
const WRITE_DOCS_IMAGES = process.env.TOKENSCOPE_DOCS_SCREENSHOTS === '1';
const READ_TOKEN = 'drawn-dashboards-read-token-0123456789';
const INGEST_TOKEN = 'drawn-dashboards-ingest-token-0123456789';
const DAY = 86_400_000;

const HOSTS: ReadonlyArray<{ grafana: GrafanaLine; title: string }> = [
  { grafana: '12', title: '@grafana/* 12.4 with React 18' },
  { grafana: '13', title: '@grafana/* 13.2 with React 19' },
];
const RANKING = 'usage-ranking.json';
const TREND = 'usage-trend.json';
const dashboardJson = (file: string) => JSON.parse(readFileSync(join(REPO, 'dashboards', file), 'utf8')) as Dashboard;
const panelsOf = (file: string) => (dashboardJson(file).panels ?? []) as Panel[];
const harnessDir = (grafana: GrafanaLine) => join(OUT, `harness-${grafana}`);

let demo: DemoProcess;
let context: BrowserContext;
let userDataDir: string;
/** "now" for every range: taken before the demo starts, so its live trickle never changes the numbers. */
let now: number;

/** The dashboard's default range (`now-<n>d`/`now-<n>h` to now), or the last `days`. */
function rangeOf(file: string, days?: number): { from: number; to: number } {
  if (days) return { from: now - days * DAY, to: now };
  const m = /^now-(\d+)([dh])$/.exec(dashboardJson(file).time?.from ?? '');
  if (!m) throw new Error(`${file}: no relative range to resolve`);
  return { from: now - Number(m[1]) * (m[2] === 'd' ? DAY : DAY / 24), to: now };
}

/** The backend's answer to a query body, asked directly with the read token. */
async function backendQuery<T>(body: unknown): Promise<T> {
  const res = await fetch(`${demo.url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${READ_TOKEN}` },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (res.status !== 200) throw new Error(`backend query failed: ${res.status} ${JSON.stringify(answer)}`);
  return answer as T;
}

/** What one panel shows, read from the DOM its components rendered. */
interface DrawnPanel {
  id: string;
  type: string;
  state: string;
  error: string | null;
  title: string;
  /** The panel content's text (a stat's value). */
  text: string;
  noData: boolean;
  /** Inspect → Data → Download CSV of each frame, in frame order. */
  csvs: string[];
  /** Bar gauge: each bar's name and value text. */
  bars: Array<{ name: string; value: string }>;
  /** VizLegend: the series names of a list legend, or the header and rows of a table legend. */
  legendNames: string[];
  legendHeader: string[];
  legendRows: string[][];
  /** Table: the column headers and each rendered row's cells. */
  tableHeader: string[];
  tableRows: string[][];
  /** What uPlot was configured with (TimeSeriesView's probe). */
  xStepMs: number | null;
  stackingGroups: number[] | null;
}

async function drawnPanels(page: Page): Promise<DrawnPanel[]> {
  return page.locator('[data-testid="panel"]').evaluateAll((elements) =>
    elements.map((el) => {
      const content = el.querySelector('[data-testid="data-testid panel content"]');
      const text = (e: Element | null | undefined) => (e?.textContent ?? '').trim();
      const probe = el.querySelector('[data-testid="plot-probe"]');
      const table = el.querySelector('table');
      return {
        id: el.getAttribute('data-panel-id') ?? '',
        type: el.getAttribute('data-panel-type') ?? '',
        state: el.getAttribute('data-state') ?? '',
        error: el.getAttribute('data-error'),
        title: text(el.querySelector('h2')),
        text: text(content),
        noData: !!el.querySelector('[data-testid="no-data"]'),
        csvs: Array.from(el.querySelectorAll('[data-testid="panel-csv"]')).map((e) => e.textContent ?? ''),
        bars: Array.from(el.querySelectorAll('[data-testid="data-testid Bar gauge value"]')).map((v) => ({
          name: text(v.parentElement?.previousElementSibling),
          value: text(v),
        })),
        legendNames: Array.from(el.querySelectorAll('[data-testid^="data-testid VizLegend series "]')).map((e) => text(e)),
        // Grafana 13.2's legend table has a first column for the series colour, its header read by screen readers only.
        legendHeader: table
          ? Array.from(table.querySelectorAll('thead th'))
              .map((th) => text(th))
              .filter((h) => h !== 'Series color')
          : [],
        legendRows: table
          ? Array.from(table.querySelectorAll('tbody tr')).map((tr) => {
              const cells = Array.from(tr.querySelectorAll('td')).map((td) => text(td));
              return cells.slice(
                cells.length - (table.querySelectorAll('thead th').length - (text(table.querySelector('thead th')) === 'Series color' ? 1 : 0)),
              );
            })
          : [],
        tableHeader: Array.from(el.querySelectorAll('[role="columnheader"]')).map((c) => text(c)),
        tableRows: Array.from(el.querySelectorAll('[role="row"]'))
          .filter((r) => r.querySelector('[role="gridcell"]'))
          .map((r) => Array.from(r.querySelectorAll('[role="gridcell"]')).map((c) => text(c))),
        xStepMs: probe ? Number(probe.getAttribute('data-x-step-ms')) : null,
        stackingGroups: probe ? (JSON.parse(probe.getAttribute('data-stacking-groups') ?? '[]') as number[]) : null,
      };
    }),
  );
}

/** Values as Grafana shows them for a field with this unit and decimals, numbers or times (@grafana/data in the page). */
function formatted(
  page: Page,
  config: { unit?: string; decimals?: number },
  values: Array<number | null>,
  type: 'number' | 'time' = 'number',
): Promise<string[]> {
  return page.evaluate(([c, v, t]) => (window as unknown as { formatValues: (c: unknown, v: unknown, t: string) => string[] }).formatValues(c, v, t), [
    config,
    values,
    type,
  ] as const);
}

/** The metrics a panel's query asked for, as the plugin sent them (variables resolved). */
const sentMetrics = (body: Record<string, unknown>) => (body.metrics ?? []) as MetricId[];
const targetMetrics = (target: unknown) => ((target ?? {}) as { metrics?: MetricId[] }).metrics ?? [];

/**
 * The backend's answers to the queries a panel sent (POST /api/v1/query through the proxy), in the order of the
 * panel's targets (the order of its frames): the queries run at once, so they may complete in any order.
 */
function answersFor(dashboard: OpenDashboard, panel: Panel): Array<{ body: Record<string, unknown>; answer: QueryResponse }> {
  const answers = (dashboard.exchanges.get(String(panel.id)) ?? [])
    .filter((e) => e.method === 'POST' && e.path.endsWith('/api/v1/query'))
    .map((e) => ({ body: e.body as Record<string, unknown>, answer: e.answer as QueryResponse }));
  const targetIndex = (body: Record<string, unknown>) =>
    Math.max(
      0,
      (panel.targets ?? []).findIndex((t) => JSON.stringify(targetMetrics(t)) === JSON.stringify(sentMetrics(body))),
    );
  return answers.sort((a, b) => targetIndex(a.body) - targetIndex(b.body));
}

const fieldConfigOf = (panel: Panel) => (panel.fieldConfig?.defaults ?? {}) as { unit?: string; decimals?: number };
const metricsOf = (panel: Panel) => targetMetrics(panel.targets?.[0]);
/** The unit the data source gives a metric's fields: money in the answer's reporting currency, else the catalogue's. */
function metricUnit(metric: MetricId, currency: string | undefined): string {
  const def = metricDefinition(metric);
  if (def.unit !== 'currency') return def.grafanaUnit;
  if (!currency) throw new Error(`${metric}: the backend's answer names no currency`);
  return currencyUnit(currency);
}
/** How a panel shows a metric: its own unit when it sets one (decimals always its own), else the field's from the data source. */
const shownConfig = (panel: Panel, metric: MetricId, currency: string | undefined) => ({
  ...fieldConfigOf(panel),
  unit: fieldConfigOf(panel).unit ?? metricUnit(metric, currency),
});
/** True when the panel's queries use the variable `name`. */
const uses = (panel: Panel, name: string) => new RegExp(`\\$\\{?${name}\\b`).test(JSON.stringify(panel.targets ?? []));
/** A time series panel whose legend is a table of calcs. */
const hasLegendTable = (panel: Panel) =>
  panel.type === 'timeseries' && (panel.options as { legend?: { displayMode?: string } }).legend?.displayMode === 'table';
/** A legend calc, the header Grafana gives it, and the backend's number for it. */
const LEGEND_CALCS: Record<string, { header: string; of: (s: TrendResponse['series'][number]) => number | null }> = {
  max: { header: 'Max', of: (s) => s.max },
  min: { header: 'Min', of: (s) => s.min },
  mean: { header: 'Mean', of: (s) => s.avg },
};
const seriesLabel = (s: TrendResponse['series'][number]) => (s.isOther ? 'other' : (Object.values(s.labels)[0] ?? s.metric));

/**
 * The rows Inspect → Data → Download CSV must hold for a panel, from the backend's answer to its query: a
 * totals frame its metrics, a ranking its Top N (no share, no "other"), a trend the time, one column per series and
 * the bucket's end, movers every row with "other" last, the largest calls every column (the key masked, its one-way id).
 */
const CSV_FROM_ANSWER: Record<string, (answer: any, body: Record<string, unknown>) => string[][]> = {
  totals: (a: TotalsResponse, body) => [sentMetrics(body).map((m) => String(a.totals[m] ?? ''))],
  ranking: (a: RankingResponse, body) => a.rows.slice(0, Number(body.limit)).map((r) => [r.label, ...sentMetrics(body).map((m) => String(r.metrics[m] ?? ''))]),
  trend: (a: TrendResponse) => a.buckets.map((t, i) => [String(t), ...a.series.map((s) => csvCell(s.values[i])), String(a.buckets[i + 1] ?? a.to)]),
  movers: (a: MoversResponse) =>
    [...a.rows, ...(a.other ? [{ ...a.other, label: 'other', status: '' }] : [])].map((r) =>
      [r.label, r.current, r.previous, r.change, r.changeRatio, r.status].map(csvCell),
    ),
  calls: (a: CallsResponse) =>
    a.calls.map((c) =>
      [
        c.time,
        c.service,
        c.model,
        c.modelType,
        c.apiKeyLabel,
        c.apiKey,
        c.totalTokens,
        c.inputTokens,
        c.outputTokens,
        c.cacheReadTokens,
        c.cacheWriteTokens,
        c.reasoningTokens,
        c.durationMs,
        c.id,
        c.traceId,
        c.spanId,
      ].map(csvCell),
    ),
};
/** A value as toCSV writes it: null as an empty cell. */
const csvCell = (v: string | number | null) => (v === null ? '' : String(v));

describe.skipIf(!chromiumProgram.path)(`the dashboards drawn in Chromium${chromiumProgram.skipReason}`, () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const harnesses = Promise.all(HOSTS.map((h) => buildHarness(h.grafana, 'dashboards', harnessDir(h.grafana))));
    buildPlugin(join(OUT, 'plugin'));
    now = Date.now();
    // Two weeks of history for the last seven days shown: Top movers then compares with a week that has data.
    demo = await startDemoProcess({ days: 14, env: { TOKENSCOPE_READ_TOKENS: READ_TOKEN, TOKENSCOPE_INGEST_TOKENS: INGEST_TOKEN } });
    await harnesses;
    userDataDir = mkdtempSync(join(tmpdir(), 'tokenscope-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumProgram.path!,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 1000 },
      timezoneId: 'UTC',
    });
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await demo?.stop();
  });

  describe.each(HOSTS.map((host) => [host.title, host] as const))('with %s', (_title, host) => {
    const shots = join(OUT, `grafana-${host.grafana}`);
    let site: DashboardSite;
    /** Opens a dashboard over its default range (or the last `days`) and reads its panels; the page is closed after. */
    async function draw(file: string, options: Partial<OpenOptions> & { days?: number } = {}) {
      const range = rangeOf(file, options.days);
      const dashboard = await site.open(context, file, { ...range, ...options });
      const panels = await drawnPanels(dashboard.page);
      return { ...dashboard, range, panels, drawn: (panel: Panel) => panels.find((p) => p.id === String(panel.id))! };
    }
    type Drawn = Awaited<ReturnType<typeof draw>>;
    const pages: Page[] = [];
    const keep = (drawn: Drawn) => (pages.push(drawn.page), drawn);

    /** Every panel drawn with data and nothing on the console. */
    function expectClean(drawn: Drawn, file: string) {
      expect(drawn.panels.map((p) => `${p.id} ${p.type}: ${p.state}${p.error ? ` (${p.error})` : ''}`)).toEqual(
        panelsOf(file).map((p) => `${p.id} ${p.type}: done`),
      );
      expect(
        drawn.panels.filter((p) => p.noData).map((p) => p.title),
        'panels showing "No data"',
      ).toEqual([]);
      expect(drawn.problems).toEqual([]);
    }

    beforeAll(async () => {
      mkdirSync(shots, { recursive: true });
      site = new DashboardSite({
        grafana: host.grafana,
        harnessDir: harnessDir(host.grafana),
        pluginDir: join(OUT, 'plugin'),
        backendUrl: demo.url,
        token: READ_TOKEN,
      });
      await site.start();
    });
    afterAll(async () => {
      // A page Chromium does not close within 10 s is left to the context's close after both hosts: a hung close
      // must not fail a run whose tests all passed.
      await Promise.race([Promise.all(pages.map((page) => page.close())), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await site?.stop();
    });

    test.each([RANKING, TREND])('%s over the demo’s last 7 days, dark and light: every panel drawn with data, no console error or warning', async (file) => {
      const name = file.replace(/\.json$/, '');
      for (const theme of ['dark', 'light'] as const) {
        const drawn = keep(await draw(file, { theme, days: 7 }));
        const dashboard = drawn.page.getByTestId('dashboard');
        await dashboard.screenshot({ path: join(shots, `${name}-${theme}.png`) });
        if (WRITE_DOCS_IMAGES && theme === 'dark' && host.grafana === '12') {
          mkdirSync(DOCS_IMAGES, { recursive: true });
          await dashboard.screenshot({ path: join(DOCS_IMAGES, `${name}.png`) });
        }
        expectClean(drawn, file);
      }
    });

    describe('Usage Ranking', () => {
      const panels = panelsOf(RANKING);
      const modelType = String(dashboardJson(RANKING).templating?.list?.find((v) => v.name === 'model_type')?.current?.value);
      const byType = (type: string) => panels.filter((p) => p.type === type);

      /** The backend's own answer for the dashboard's range and model type, asked directly. */
      const ask = <T>(range: { from: number; to: number }, body: Record<string, unknown>) =>
        backendQuery<T>({ from: range.from, to: range.to, timezone: 'UTC', filters: { model_type: [modelType] }, ...body });

      /**
       * A Top movers table shows the backend's movers for the range, dimension, Top N and metric: one row per mover,
       * largest change first, then "other"; now, before and the change in the metric's unit, the change in percent.
       * TableNG draws only the rows in view, so the rows drawn are held against the answer's first rows.
       */
      async function expectMoversTable(drawn: Drawn, panel: Panel, { dimension, topN, metric }: { dimension: DimensionId; topN: number; metric: MetricId }) {
        const shown = drawn.drawn(panel);
        expect(shown.title).toContain(metricDefinition(metric).name);
        expect(shown.title).toContain(dimensionDefinition(dimension).byName);
        const movers = await ask<MoversResponse>(drawn.range, { type: 'movers', dimension, limit: topN, metrics: [metric] });
        expect(movers.rows.length, 'movers').toBeGreaterThan(1);
        const rows = [...movers.rows, ...(movers.other ? [{ ...movers.other, label: 'other', status: '' }] : [])];
        const config = shownConfig(panel, metric, movers.currency);
        const [current, previous, change, ratio] = await Promise.all([
          formatted(
            drawn.page,
            config,
            rows.map((r) => r.current),
          ),
          formatted(
            drawn.page,
            config,
            rows.map((r) => r.previous),
          ),
          formatted(
            drawn.page,
            config,
            rows.map((r) => r.change),
          ),
          formatted(
            drawn.page,
            { unit: 'percentunit' },
            rows.map((r) => r.changeRatio),
          ),
        ]);
        const expected = rows.map((r, i) => [r.label, current[i], previous[i], change[i], ratio[i], r.status]);
        expect(shown.tableHeader, panel.title).toEqual([dimensionDefinition(dimension).name, 'Now', 'Before', 'Change', 'Change %', 'Status']);
        expect(shown.tableRows.length, `${panel.title}: rows drawn`).toBeGreaterThanOrEqual(Math.min(expected.length, 5));
        expect(shown.tableRows, panel.title).toEqual(expected.slice(0, shown.tableRows.length));
      }

      test('the total cards show the backend’s totals, formatted by each panel’s unit; the cost in the reporting currency, the unpriced tokens beside it', async () => {
        const drawn = await draw(RANKING);
        expectClean(drawn, RANKING);
        expect(byType('stat').map(metricsOf)).toContainEqual(['cost']);
        for (const panel of byType('stat')) {
          const answers = answersFor(drawn, panel);
          expect(
            answers.map((a) => sentMetrics(a.body)),
            panel.title,
          ).toEqual((panel.targets ?? []).map(targetMetrics));
          // One value per query (the demo has unpriced tokens, so the cost card shows them too), in the targets' order.
          const named = (panel.options as { textMode?: string }).textMode === 'value_and_name';
          expect(named, panel.title).toBe(answers.length > 1);
          const shown: string[] = [];
          for (const { body } of answers) {
            const [metric] = sentMetrics(body);
            const totals = await ask<TotalsResponse>(drawn.range, { type: 'totals', metrics: [metric] });
            expect(totals.totals[metric], metric).toBeGreaterThan(0);
            const [value] = await formatted(drawn.page, shownConfig(panel, metric, totals.currency), [totals.totals[metric]!]);
            if (metric === 'cost') expect(value, 'the cost in US dollars').toMatch(/^\$\d/);
            // A card of several values names each (the metric's name above its value).
            shown.push(named ? `${metricDefinition(metric).name}${value}` : value);
          }
          expect(drawn.drawn(panel).text, panel.title).toBe(shown.join(''));
        }
        await drawn.page.close();
      });

      test.each([
        { dimension: 'api_key', topN: '50', metric: 'total_tokens' },
        { dimension: 'model', topN: '5', metric: 'total_tokens' },
        { dimension: 'service', topN: '5', metric: 'cost' },
      ] as const)(
        'by $dimension, Top $topN by $metric: exactly N bars, the backend’s ranking largest first, no "other", no share, keys masked; Top movers the backend’s movers',
        async ({ dimension, topN, metric }) => {
          const drawn = await draw(RANKING, { variables: { dimension, topN, metric } });
          expectClean(drawn, RANKING);
          expect(byType('bargauge').length).toBeGreaterThan(0);
          for (const panel of byType('bargauge')) {
            const shown = drawn.drawn(panel);
            const [{ body }] = answersFor(drawn, panel);
            // The "Ranked by" choice is what the list asks for, ranks by and names in its title.
            expect(sentMetrics(body)).toEqual([metric]);
            expect(shown.title).toContain(metricDefinition(metric).name);
            const ranking = await ask<RankingResponse>(drawn.range, { type: 'ranking', dimension, limit: Number(topN), metrics: [metric] });
            expect(ranking.rows.length).toBeGreaterThan(1);
            expect(shown.title).toContain(dimensionDefinition(dimension as DimensionId).byName);
            expect(shown.bars.map((b) => b.name)).toEqual(ranking.rows.map((r) => r.label));
            const values = ranking.rows.map((r) => r.metrics[metric]!);
            expect([...values].sort((a, b) => b - a)).toEqual(values);
            expect(shown.bars.map((b) => b.value)).toEqual(await formatted(drawn.page, shownConfig(panel, metric, ranking.currency), values));
            expect(shown.bars.map((b) => b.name)).not.toContain('other');
            // One number per bar: a share column would add a second bar per resource.
            expect(shown.bars).toHaveLength(ranking.rows.length);
            if (ranking.other) expect(shown.bars).toHaveLength(Number(topN));
            if (dimension === 'api_key') {
              expect(ranking.rows.some((r) => r.label !== r.key && r.label.startsWith('sk-'))).toBe(true);
              const page = await drawn.page.content();
              for (const secret of DEMO_SECRET_KEYS) expect(page).not.toContain(secret);
            }
          }
          const movers = panels.filter((p) => (p.targets ?? []).some((t) => (t as { queryType?: string }).queryType === 'movers'));
          expect(movers.length).toBeGreaterThan(0);
          for (const panel of movers) await expectMoversTable(drawn, panel, { dimension, topN: Number(topN), metric });
          await drawn.page.close();
        },
      );

      test.each([
        { granularity: '1h', dimension: 'model', metric: 'total_tokens' },
        { granularity: '1d', dimension: 'api_key', metric: 'total_tokens' },
        { granularity: 'auto', dimension: 'service', metric: 'cost' },
      ] as const)(
        'stacked bars at granularity $granularity by $dimension of $metric: one series per top resource plus other, all stacked, one bar per interval',
        async ({ granularity, dimension, metric }) => {
          const topN = 3;
          const drawn = await draw(RANKING, { variables: { dimension, granularity, metric, topN: String(topN) } });
          expectClean(drawn, RANKING);
          const stacked = panels.filter(
            (p) => p.type === 'timeseries' && (p.fieldConfig?.defaults?.custom as { stacking?: { mode?: string } })?.stacking?.mode === 'normal',
          );
          expect(stacked.length).toBeGreaterThan(0);
          for (const panel of stacked) {
            const shown = drawn.drawn(panel);
            const [{ answer, body }] = answersFor(drawn, panel) as Array<{ answer: TrendResponse; body: Record<string, unknown> }>;
            // The "Ranked by" choice is what the bars stack and what the title names.
            expect(sentMetrics(body)).toEqual([metric]);
            expect(shown.title).toContain(metricDefinition(metric).name);
            const trend = await ask<TrendResponse>(drawn.range, {
              type: 'trend',
              dimension,
              limit: topN,
              metrics: [metric],
              granularity: answer.granularity,
            });
            expect(trend.series.every((s) => s.metric === metric)).toBe(true);
            expect(shown.title).toContain(dimensionDefinition(dimension).byName);
            expect(trend.series.at(-1)?.isOther).toBe(true);
            expect(shown.legendNames).toEqual(trend.series.map(seriesLabel));
            expect(shown.stackingGroups).toEqual([trend.series.length]);
            if (granularity !== 'auto') expect(answer.granularity).toBe(granularity);
            expect(shown.xStepMs).toBe(granularityDefinition(answer.granularity as FixedGranularity).ms);
          }
          await drawn.page.close();
        },
      );

      test('switching the dimension changes the title and the resources of every panel that queries by it; the totals stay', async () => {
        const [byModel, byService] = [await draw(RANKING, { variables: { dimension: 'model' } }), await draw(RANKING, { variables: { dimension: 'service' } })];
        expect(panels.filter((p) => uses(p, 'dimension')).length).toBeGreaterThan(1);
        for (const panel of panels) {
          const [a, b] = [byModel.drawn(panel), byService.drawn(panel)];
          if (!uses(panel, 'dimension')) {
            if (panel.type === 'stat') expect(b.text, panel.title).toBe(a.text);
            continue;
          }
          if (/\$\{?dimension\b/.test(panel.title ?? '')) expect(b.title, panel.title).not.toBe(a.title);
          const names = (p: DrawnPanel) => [...p.bars.map((x) => x.name), ...p.legendNames, ...p.legendRows.map((r) => r[0]), ...p.tableRows.map((r) => r[0])];
          expect(names(a).length, panel.title).toBeGreaterThan(0);
          expect(
            names(b).filter((n) => n !== 'other' && names(a).includes(n)),
            panel.title,
          ).toEqual([]);
        }
        await byModel.page.close();
        await byService.page.close();
      });
    });

    describe('Usage Trend', () => {
      const panels = panelsOf(TREND);

      /** Each legend row equals the backend's max, min and avg for that series, formatted as the panel formats. */
      async function expectLegends(drawn: Drawn) {
        for (const panel of panels.filter(hasLegendTable)) {
          const shown = drawn.drawn(panel);
          const calcs = ((panel.options as { legend?: { calcs?: string[] } }).legend?.calcs ?? []).map((id) => {
            const calc = LEGEND_CALCS[id];
            if (!calc) throw new Error(`${panel.title}: no backend number known for the legend calc '${id}'`);
            return calc;
          });
          expect(shown.legendHeader, panel.title).toEqual(['Name', ...calcs.map((c) => c.header)]);
          const [{ answer }] = answersFor(drawn, panel) as Array<{ answer: TrendResponse }>;
          const expected: string[][] = [];
          for (const s of answer.series.filter((x) => x.max !== null)) {
            expected.push([
              seriesLabel(s),
              ...(await formatted(
                drawn.page,
                shownConfig(panel, s.metric, answer.currency),
                calcs.map((c) => c.of(s)),
              )),
            ]);
          }
          const byName = (rows: string[][]) => [...rows].sort((x, y) => x[0].localeCompare(y[0]));
          expect(byName(shown.legendRows), panel.title).toEqual(byName(expected));
        }
      }

      /**
       * A Largest calls table shows the backend's largest calls for the range and the dashboard's model type, largest
       * first, every column formatted as Grafana formats the frame's field, API keys as the backend labels them (the one-way id is a
       * hidden column). TableNG draws only the rows in view: those are held against the answer's first rows.
       */
      async function expectCallsTable(drawn: Drawn, panel: Panel) {
        const shown = drawn.drawn(panel);
        const query = (panel.targets?.[0] ?? {}) as { orderBy?: string; limit?: number };
        const modelType = String(dashboardJson(TREND).templating?.list?.find((v) => v.name === 'model_type')?.current?.value);
        const calls = await backendQuery<CallsResponse>({
          type: 'calls',
          from: drawn.range.from,
          to: drawn.range.to,
          timezone: 'UTC',
          orderBy: query.orderBy,
          limit: query.limit,
          filters: { model_type: [modelType] },
        });
        expect(calls.calls.length, 'calls').toBe(query.limit);
        const rows = calls.calls;
        const column = (unit: string | undefined, values: Array<number | null>, type: 'number' | 'time' = 'number') =>
          formatted(drawn.page, { unit }, values, type);
        const tokens = (['total_tokens', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens'] as const).map((m) =>
          column(
            metricUnit(m, calls.currency),
            rows.map(
              (c) =>
                ({
                  total_tokens: c.totalTokens,
                  input_tokens: c.inputTokens,
                  output_tokens: c.outputTokens,
                  cache_read_tokens: c.cacheReadTokens,
                  cache_write_tokens: c.cacheWriteTokens,
                  reasoning_tokens: c.reasoningTokens,
                })[m],
            ),
          ),
        );
        const [times, durations, ...tokenColumns] = await Promise.all([
          column(
            undefined,
            rows.map((c) => c.time),
            'time',
          ),
          column(
            'ms',
            rows.map((c) => c.durationMs),
          ),
          ...tokens,
        ]);
        const expected = rows.map((c, i) => [
          times[i],
          c.service,
          c.model,
          c.modelType,
          c.apiKeyLabel,
          ...tokenColumns.map((t) => t[i]),
          durations[i],
          c.id ?? '',
          c.traceId ?? '',
          c.spanId ?? '',
        ]);
        // The columns of the calls frame but the key's one-way id, which the table hides. TableNG draws the columns
        // and rows in view (the rest scroll into view), so those are held against the first of the expected.
        const [csvHeader] = parseCsv(shown.csvs[0]) as string[][];
        const visibleHeader = csvHeader.filter((h) => h !== 'API key id');
        expect(visibleHeader).toHaveLength(expected[0].length);
        expect(shown.tableHeader.length, `${panel.title}: columns drawn`).toBeGreaterThanOrEqual(8);
        expect(shown.tableHeader, panel.title).toEqual(visibleHeader.slice(0, shown.tableHeader.length));
        expect(shown.tableRows.length, `${panel.title}: rows drawn`).toBeGreaterThanOrEqual(3);
        expect(shown.tableRows, panel.title).toEqual(expected.slice(0, shown.tableRows.length).map((row) => row.slice(0, shown.tableHeader.length)));
        // The demo's largest calls are the batch service's, under named keys: the labels are the backend's, no secret reaches the page.
        expect(shown.tableRows.map((r) => r[4])).toEqual(rows.slice(0, shown.tableRows.length).map((c) => c.apiKeyLabel));
        const page = await drawn.page.content();
        for (const secret of DEMO_SECRET_KEYS) expect(page).not.toContain(secret);
      }

      test('every legend shows Max, Min and Mean per model equal to the backend’s max, min and avg; units as the catalogue says; Largest calls the backend’s calls, no raw key on the page', async () => {
        const drawn = await draw(TREND);
        expectClean(drawn, TREND);
        expect(panels.filter(hasLegendTable).length).toBeGreaterThan(0);
        for (const panel of panels.filter(hasLegendTable)) {
          const metric = metricsOf(panel)[0];
          // Money has no panel unit: the data source gives its fields the unit of the server's reporting currency.
          expect(fieldConfigOf(panel).unit, panel.title).toBe(metricDefinition(metric).unit === 'currency' ? undefined : metricDefinition(metric).grafanaUnit);
          const suffix = /^suffix:\s*(.+)$/.exec(metricDefinition(metric).grafanaUnit)?.[1];
          if (suffix)
            for (const row of drawn.drawn(panel).legendRows) for (const cell of row.slice(1)) expect(cell, panel.title).toMatch(new RegExp(` ${suffix}$`));
          expect(drawn.drawn(panel).legendRows.length, panel.title).toBeGreaterThan(1);
        }
        await expectLegends(drawn);
        const callsTables = panels.filter((p) => (p.targets ?? []).some((t) => (t as { queryType?: string }).queryType === 'calls'));
        expect(callsTables.length).toBeGreaterThan(0);
        for (const panel of callsTables) await expectCallsTable(drawn, panel);
        await drawn.page.close();
      });

      test('the filters narrow every panel to the chosen service and models', async () => {
        const all = await draw(TREND);
        const legendPanel = panels.find(hasLegendTable)!;
        const models = all
          .drawn(legendPanel)
          .legendRows.map((r) => r[0])
          .slice(0, 2);
        const service = (answersFor(all, legendPanel)[0].body.filters as Record<string, unknown>).service;
        expect(service, 'All services is no filter').toBeUndefined();
        await all.page.close();
        const services = await fetch(`${demo.url}/api/v1/dimensions/service/values?from=${all.range.from}&to=${all.range.to}`, {
          headers: { authorization: `Bearer ${READ_TOKEN}` },
        }).then((r) => r.json() as Promise<{ values: Array<{ value: string }> }>);
        const chosenService = services.values[0].value;
        const narrowed = await draw(TREND, { variables: { model: models, service: [chosenService] } });
        expectClean(narrowed, TREND);
        const filtered = panels.filter((p) => uses(p, 'model') && uses(p, 'service'));
        expect(filtered.length).toBeGreaterThan(0);
        for (const panel of filtered) {
          const [{ body }] = answersFor(narrowed, panel);
          expect(body.filters, panel.title).toMatchObject({ model: models, service: [chosenService] });
          const names = narrowed.drawn(panel).legendRows.map((r) => r[0]);
          expect(
            names.filter((n) => !models.includes(n)),
            panel.title,
          ).toEqual([]);
        }
        // The chosen service may not serve both models, but it serves something of them.
        expect(narrowed.drawn(legendPanel).legendRows.length).toBeGreaterThan(0);
        await expectLegends(narrowed);
        await narrowed.page.close();
      });
    });

    test('a table panel is drawn by TableNG: its columns and rows are the frame after transformations, formatted by the unit', async () => {
      // The ranking list's query and transformations as a table (the dashboards' own tables, Top movers and Largest
      // calls, have no transformations).
      const ranking = dashboardJson(RANKING);
      const list = panelsOf(RANKING).find((p) => p.type === 'bargauge')!;
      const table: Panel = {
        ...list,
        id: 1,
        type: 'table',
        links: [],
        gridPos: { x: 0, y: 0, w: 12, h: 10 },
        options: { showHeader: true, cellHeight: 'sm' },
        fieldConfig: { defaults: { unit: fieldConfigOf(list).unit }, overrides: [] },
      };
      site.addDashboard('table.json', { ...ranking, panels: [table] });
      const drawn = await draw('table.json', { days: 7, variables: { dimension: 'model', topN: '5' } });
      expect(drawn.problems).toEqual([]);
      const shown = drawn.panels[0];
      expect(shown.state).toBe('done');
      const [header, ...rows] = parseCsv(shown.csvs[0]) as string[][];
      expect(shown.tableHeader).toEqual(header);
      const [{ answer }] = answersFor(drawn, table) as Array<{ answer: RankingResponse }>;
      const top = answer.rows.slice(0, 5);
      expect(rows).toEqual(top.map((r) => [r.label, String(r.metrics.total_tokens)]));
      const values = await formatted(
        drawn.page,
        shownConfig(table, 'total_tokens', answer.currency),
        top.map((r) => r.metrics.total_tokens!),
      );
      expect(shown.tableRows).toEqual(top.map((r, i) => [r.label, values[i]]));
      await drawn.page.close();
    });

    test.each([RANKING, TREND])('%s: Inspect → Data → Download CSV of every panel holds the backend’s numbers', async (file) => {
      const drawn = await draw(file, { variables: file === RANKING ? { topN: '5' } : {} });
      expectClean(drawn, file);
      for (const panel of panelsOf(file)) {
        const answers = answersFor(drawn, panel);
        expect(answers.length, panel.title).toBe(panel.targets?.length);
        // One frame per query, in the targets' order; Inspect downloads the frame chosen.
        const csvs = drawn.drawn(panel).csvs;
        expect(csvs, panel.title).toHaveLength(answers.length);
        for (const [i, { answer, body }] of answers.entries()) {
          const expectRows = CSV_FROM_ANSWER[answer.type];
          expect(expectRows, `no CSV expectation for a ${answer.type} answer (${panel.title})`).toBeDefined();
          const [header, ...rows] = parseCsv(csvs[i], { relax_column_count: false }) as string[][];
          expect(
            header.map((h) => h.toLowerCase()),
            panel.title,
          ).not.toContain('share');
          expect(rows, `${panel.title}, frame ${i + 1}`).toEqual(expectRows(answer, body));
          // TableNG draws the columns in view; the key's one-way id is a hidden column.
          if (panel.type === 'table') {
            const shownHeader = drawn.drawn(panel).tableHeader;
            expect(shownHeader.length, panel.title).toBeGreaterThan(1);
            expect(shownHeader, panel.title).toEqual(header.filter((h) => h !== 'API key id').slice(0, shownHeader.length));
          }
        }
      }
      await drawn.page.close();
    });
  });
});
