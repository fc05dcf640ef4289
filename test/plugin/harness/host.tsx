/**
 * A stand-in for the part of Grafana a data source plugin meets, in a real browser: the built module.js loaded
 * as Grafana loads it (grafana-host.ts), and the plugin's config and query editors inside @grafana/ui's theme,
 * with what they emit shown on the page.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as grafanaData from '@grafana/data';
import {
  createTheme,
  CustomVariableSupport,
  DataSourceApi,
  DataSourcePlugin,
  VariableSupportType,
  type DataFrame,
  type DataSourceSettings,
} from '@grafana/data';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { Button, GlobalStyles, ThemeContext } from '@grafana/ui';
import * as rxjs from 'rxjs';
import { createTemplateSrv } from '../../support/template-srv';
import { createBackendSrv, loadPlugin } from './grafana-host';

const settings = (window as unknown as { HARNESS: { uid: string; pluginUrl: string; from: number; to: number } }).HARNESS;
const backendSrv = createBackendSrv();

function Harness({ plugin }: { plugin: DataSourcePlugin<DataSourceApi> }) {
  const { ConfigEditor, QueryEditor } = plugin.components;
  const [options, setOptions] = React.useState({
    id: 1,
    uid: settings.uid,
    name: 'Tokenscope',
    type: 'tokenscope-usage-datasource',
    access: 'proxy',
    url: '',
    jsonData: { url: 'http://tokenscope:8080' },
    secureJsonFields: { apiToken: true },
  } as unknown as DataSourceSettings);
  const datasource = React.useMemo(
    () =>
      new plugin.DataSourceClass({
        id: 1,
        uid: settings.uid,
        type: options.type,
        name: options.name,
        url: `/api/datasources/proxy/uid/${settings.uid}`,
        jsonData: options.jsonData,
        access: 'proxy',
        readOnly: false,
        meta: {} as never,
      }),
    [options.jsonData, options.name, options.type],
  );
  const [query, setQuery] = React.useState<any>({ refId: 'A' });
  // Like Grafana's query runner, onRunQuery runs the latest query passed to onChange.
  const latest = React.useRef(query);
  const change = (next: unknown) => {
    latest.current = next;
    setQuery(next);
  };
  const [health, setHealth] = React.useState('');
  const [result, setResult] = React.useState('');
  const range = React.useMemo(
    () => ({ from: grafanaData.dateTime(settings.from), to: grafanaData.dateTime(settings.to), raw: { from: 'now-6h', to: 'now' } }),
    [],
  );
  const run = () => {
    const request = {
      requestId: 'harness',
      interval: '1m',
      intervalMs: 60_000,
      maxDataPoints: 600,
      range,
      scopedVars: {},
      targets: [latest.current],
      timezone: 'utc',
      app: 'dashboard',
      startTime: Date.now(),
    };
    rxjs.lastValueFrom(rxjs.from(datasource.query(request as never))).then((response: grafanaData.DataQueryResponse) => {
      const frames = response.data as DataFrame[];
      setResult(
        JSON.stringify({
          errors: (response.errors ?? []).map((e: grafanaData.DataQueryError) => e.message),
          fields: frames.flatMap((f) => f.fields.map((field) => grafanaData.getFieldDisplayName(field, f, frames))),
        }),
      );
    });
  };
  return (
    <div style={{ padding: 16, display: 'flex', flexDirection: 'column', gap: 24, maxWidth: 1100 }}>
      <section id="config">
        <h3>Data source settings</h3>
        {ConfigEditor && <ConfigEditor options={options} onOptionsChange={setOptions} />}
        <Button id="save-test" onClick={() => datasource.testDatasource().then((r) => setHealth(`${r.status}: ${r.message}`))}>
          Save &amp; test
        </Button>
        <pre id="health">{health}</pre>
      </section>
      <section id="query">
        <h3>Query</h3>
        {QueryEditor && <QueryEditor datasource={datasource} query={query} range={range as never} onChange={change} onRunQuery={run} />}
        <pre id="emitted">{JSON.stringify(query)}</pre>
        <pre id="result">{result}</pre>
      </section>
    </div>
  );
}

/**
 * What the host sees of the loaded module, checked against this host's own @grafana/data classes (the bundle
 * test's checks, here with whichever @grafana line the harness was built with), and which React it runs on.
 */
function describeModule(deps: string[], plugin: DataSourcePlugin<DataSourceApi>) {
  const datasource = new plugin.DataSourceClass({
    id: 1,
    uid: 'u',
    type: 'tokenscope-usage-datasource',
    name: 'T',
    url: '/api/datasources/proxy/uid/u',
    jsonData: {},
    access: 'proxy',
    readOnly: false,
    meta: {} as never,
  });
  return {
    react: React.version,
    reactDom: ReactDOM.version,
    deps,
    isDataSourcePlugin: plugin instanceof DataSourcePlugin,
    configEditor: typeof plugin.components.ConfigEditor,
    queryEditor: typeof plugin.components.QueryEditor,
    datasourceIsDataSourceApi: datasource instanceof DataSourceApi,
    variablesAreCustom: datasource.variables instanceof CustomVariableSupport,
    variablesType: datasource.variables?.getType() === VariableSupportType.Custom ? 'custom' : String(datasource.variables?.getType()),
    variableEditor: typeof (datasource.variables as CustomVariableSupport<DataSourceApi> | undefined)?.editor,
  };
}

async function main() {
  setBackendSrv(backendSrv);
  setTemplateSrv(createTemplateSrv([{ name: 'service', value: 'chat' }]));
  const { deps, exports } = await loadPlugin(settings.pluginUrl);
  const { plugin } = exports;
  const theme = createTheme({ colors: { mode: 'dark' } });
  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <pre id="module">{JSON.stringify(describeModule(deps, plugin))}</pre>
      <Harness plugin={plugin} />
    </ThemeContext.Provider>,
  );
}

main().catch((error) => {
  console.error(error);
  document.body.textContent = `harness failed: ${error}`;
});
