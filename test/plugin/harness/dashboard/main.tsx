/**
 * The dashboard harness page: loads the built module.js as Grafana does, creates the provisioned Tokenscope data
 * source (through the stand-in proxy), resolves the dashboard's variables (query variables through the plugin's
 * variable support, in order, each seeing the ones before it), and draws the dashboard with Grafana's theme.
 * What the page was asked for arrives in window.DASHBOARD_HARNESS.
 */
import * as React from 'react';
import { createRoot } from 'react-dom/client';
import {
  createTheme,
  dateTime,
  FieldType,
  formattedValueToString,
  getDisplayProcessor,
  type DataFrame,
  type FieldConfig,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
} from '@grafana/data';
import { config, setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import type { Dashboard, VariableModel } from '@grafana/schema';
import { GlobalStyles, ThemeContext } from '@grafana/ui';
import { from, lastValueFrom, type Observable } from 'rxjs';
import uPlotCss from 'uplot/dist/uPlot.min.css';
import { createTemplateSrv, type TestVariable } from '../../../support/template-srv';
import { createBackendSrv, loadPlugin } from '../grafana-host';
import { DashboardPage, type ShownVariable } from './DashboardPage';
import { registerGrafanaStandards } from './grafana-registries';

export interface DashboardHarnessSettings {
  uid: string;
  pluginUrl: string;
  dashboardUrl: string;
  /** Epoch ms of the range shown. */
  from: number;
  to: number;
  theme: 'dark' | 'light';
  /** The page's width in pixels. */
  width: number;
  /** Chosen values by variable name; the others keep the dashboard's current value. */
  variables: Record<string, string[]>;
}

/** The header naming which panel a data source request is for ('variables' while they load). */
export const PANEL_HEADER = 'x-harness-panel';

const settings = (window as unknown as { DASHBOARD_HARNESS: DashboardHarnessSettings }).DASHBOARD_HARNESS;
let requestsFor = 'variables';

/** The values a query variable offers, asked of the data source's variable support as Grafana does. */
async function variableOptions(
  datasource: DataSourceApi,
  variable: VariableModel,
  range: DataQueryRequest['range'],
): Promise<{ text: string[]; value: string[] }> {
  const support = datasource.variables as unknown as { query(request: DataQueryRequest): Observable<DataQueryResponse> };
  const request = {
    requestId: `variable-${variable.name}`,
    interval: '1m',
    intervalMs: 60_000,
    range,
    scopedVars: {},
    targets: [{ refId: `variable-${variable.name}`, ...(variable.query as object) }],
    timezone: 'browser',
    app: 'dashboard',
    startTime: Date.now(),
  } as DataQueryRequest;
  const response = await lastValueFrom(from(support.query(request)));
  const frame = response.data[0] as DataFrame | undefined;
  const field = (name: string) => (frame?.fields.find((f) => f.name === name)?.values ?? []) as string[];
  return { text: field('text'), value: field('value') };
}

function asList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map((v) => String(v ?? ''));
}

async function main() {
  registerGrafanaStandards();
  // @grafana/ui's plot imports uPlot's stylesheet, which Grafana's build injects into the page; so does this page.
  document.head.appendChild(Object.assign(document.createElement('style'), { textContent: uPlotCss }));
  const theme = createTheme({ colors: { mode: settings.theme } });
  // For the test: numbers as Grafana shows them for a field with this config (its unit and decimals).
  (window as unknown as { formatValues: unknown }).formatValues = (config: FieldConfig, values: number[]) => {
    const display = getDisplayProcessor({ field: { type: FieldType.number, config }, theme });
    return values.map((v) => formattedValueToString(display(v)));
  };
  // Components that read the theme from the runtime config instead of the context.
  (config as unknown as { theme2: unknown }).theme2 = theme;
  setBackendSrv(createBackendSrv(() => ({ [PANEL_HEADER]: requestsFor })));
  const [{ exports }, dashboard] = await Promise.all([
    loadPlugin(settings.pluginUrl),
    fetch(settings.dashboardUrl).then((r) => r.json() as Promise<Dashboard>),
  ]);
  const { plugin } = exports;
  const datasource = new plugin.DataSourceClass({
    id: 1,
    uid: settings.uid,
    type: 'tokenscope-usage-datasource',
    name: 'Tokenscope',
    url: `/api/datasources/proxy/uid/${settings.uid}`,
    jsonData: { url: 'http://tokenscope:8080' } as object,
    access: 'proxy',
    readOnly: false,
    meta: {} as never,
  });
  const range = { from: dateTime(settings.from), to: dateTime(settings.to), raw: { from: dashboard.time?.from ?? 'now-6h', to: dashboard.time?.to ?? 'now' } };
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const globals: TestVariable[] = [
    { name: '__from', value: String(settings.from) },
    { name: '__to', value: String(settings.to) },
    { name: '__timezone', value: timeZone },
  ];
  const variables: TestVariable[] = [];
  const shown: ShownVariable[] = [];
  let templateSrv = createTemplateSrv(globals);
  setTemplateSrv(templateSrv);
  for (const variable of (dashboard.templating?.list ?? []) as VariableModel[]) {
    const chosen = settings.variables[variable.name] ?? asList(variable.current?.value);
    const options =
      variable.type === 'query'
        ? await variableOptions(datasource, variable, range)
        : { text: (variable.options ?? []).map((o) => String(o.text)), value: (variable.options ?? []).map((o) => String(o.value)) };
    const all = chosen.includes('$__all');
    const text = all ? ['All'] : chosen.map((v) => options.text[options.value.indexOf(v)] ?? v);
    variables.push({
      name: variable.name,
      value: variable.multi ? chosen : chosen[0],
      text: variable.multi ? text : text[0],
      ...(variable.includeAll ? { options: options.value } : {}),
    });
    shown.push({ label: variable.label ?? variable.name, text: text.join(' + ') });
    templateSrv = createTemplateSrv([...globals, ...variables]);
    setTemplateSrv(templateSrv);
  }
  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <DashboardPage
        dashboard={dashboard}
        variables={shown}
        datasource={datasource}
        templateSrv={templateSrv}
        range={range}
        timeZone={timeZone}
        theme={theme}
        width={settings.width}
        onPanel={(id) => (requestsFor = id === null ? 'done' : String(id))}
      />
    </ThemeContext.Provider>,
  );
}

main().catch((error) => {
  console.error(error);
  document.body.textContent = `dashboard harness failed: ${error}`;
});
