// @vitest-environment jsdom
/**
 * The built plugin as Grafana receives it: dist/ is built here (as `npm run build` does), module.js is loaded
 * as Grafana's loader does, an AMD `define` whose dependencies resolve to the real installed @grafana/* and
 * React modules, and plugin.json is checked against the rules of Grafana's plugin.json schema.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CustomVariableSupport, DataSourceApi, DataSourcePlugin, VariableSupportType } from '@grafana/data';
import { cleanup, render, screen } from '@testing-library/react';
import { Ajv } from 'ajv';
import type { ComponentType } from 'react';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pluginJson from '../../src/plugin/plugin.json';
import { GRAFANA_EXTERNALS } from '../../src/plugin/webpack.config.mjs';
import { buildPlugin, REPO } from './build-plugin';

const DIST = join(REPO, 'dist');
const require = createRequire(join(REPO, 'package.json'));

let code: string;
let dependencies: string[];
let exported: { plugin: DataSourcePlugin<DataSourceApi> };

/** Evaluates an AMD module the way Grafana's loader does: `define(deps, factory)` with the shared modules. */
function loadAmd(source: string): { deps: string[]; exports: any } {
  let captured: { deps: string[]; factory: (...modules: unknown[]) => unknown } | undefined;
  const define = (deps: string[], factory: (...modules: unknown[]) => unknown) => {
    captured = { deps, factory };
  };
  (define as unknown as { amd: object }).amd = {};
  new Function('define', source)(define);
  if (!captured) throw new Error('module.js did not call define()');
  return { deps: captured.deps, exports: captured.factory(...captured.deps.map((d) => require(d))) };
}

beforeAll(() => {
  buildPlugin();
  code = readFileSync(join(DIST, 'module.js'), 'utf8');
  const loaded = loadAmd(code);
  dependencies = loaded.deps;
  exported = loaded.exports;
}, 180_000);
afterAll(cleanup);

describe('dist/', () => {
  test('holds module.js, plugin.json, the logo, README and CHANGELOG', () => {
    for (const file of ['module.js', 'plugin.json', 'img/logo.svg', 'README.md', 'CHANGELOG.md']) expect(existsSync(join(DIST, file)), file).toBe(true);
    expect(readFileSync(join(DIST, 'img/logo.svg'), 'utf8')).toMatch(/^<svg /);
  });

  test("the README's and plugin.json's screenshots are in dist, where Grafana's catalogue page asks for them", () => {
    const readme = readFileSync(join(DIST, 'README.md'), 'utf8');
    // Grafana renders the README on /plugins/<id> without rewriting links: an image needs the path Grafana serves the plugin's files at.
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    const served = `/public/plugins/${pluginJson.id}/`;
    for (const src of images) {
      expect(src.startsWith(served), src).toBe(true);
      expect(existsSync(join(DIST, src.slice(served.length))), src).toBe(true);
    }
    const built = JSON.parse(readFileSync(join(DIST, 'plugin.json'), 'utf8')) as { info: { screenshots: Array<{ path: string }> } };
    expect(built.info.screenshots.length).toBeGreaterThan(0);
    for (const { path } of built.info.screenshots) expect(readFileSync(join(DIST, path)).subarray(1, 4).toString(), path).toBe('PNG');
  });

  test('plugin.json carries the package version and build date in place of %VERSION% and %TODAY%', () => {
    const built = JSON.parse(readFileSync(join(DIST, 'plugin.json'), 'utf8'));
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(built.info.version).toBe(version);
    expect(built.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.stringify(built)).not.toMatch(/%VERSION%|%TODAY%/);
  });

  test("plugin.json's dashboards are in dist and import for a data source of any uid (Grafana fills ${DS_TOKENSCOPE})", () => {
    const built = JSON.parse(readFileSync(join(DIST, 'plugin.json'), 'utf8')) as { includes: Array<{ type: string; path: string }> };
    const dashboards = built.includes.filter((i) => i.type === 'dashboard');
    expect(dashboards.map((d) => d.path).sort()).toEqual(['dashboards/usage-ranking.json', 'dashboards/usage-trend.json']);
    for (const { path } of dashboards) {
      const text = readFileSync(join(DIST, path), 'utf8');
      const shipped = JSON.parse(text);
      expect(shipped.__inputs, path).toEqual([expect.objectContaining({ name: 'DS_TOKENSCOPE', type: 'datasource', pluginId: 'tokenscope-usage-datasource' })]);
      // What Grafana's import does with the input: every ${DS_TOKENSCOPE} becomes the chosen data source's uid.
      const imported = JSON.parse(text.replaceAll('${DS_TOKENSCOPE}', 'a1B2c3'));
      const committed = JSON.parse(readFileSync(join(REPO, path), 'utf8'));
      const refs = (value: unknown): string[] =>
        Array.isArray(value)
          ? value.flatMap(refs)
          : value && typeof value === 'object'
            ? [
                ...((value as { type?: string }).type === 'tokenscope-usage-datasource' && 'uid' in value ? [String((value as { uid: unknown }).uid)] : []),
                ...Object.values(value).flatMap(refs),
              ]
            : [];
      expect(refs(committed).length, path).toBeGreaterThan(0);
      expect(new Set(refs(committed)), path).toEqual(new Set(['tokenscope']));
      expect(refs(imported), path).toEqual(refs(committed).map(() => 'a1B2c3'));
      expect(text, path).not.toContain('/proxy/uid/tokenscope/');
      const { __inputs: _inputs, ...rest } = imported;
      expect(JSON.stringify(rest).replaceAll('a1B2c3', 'tokenscope')).toBe(JSON.stringify({ ...committed, id: null }));
    }
  });
});

describe('module.js loaded as Grafana loads it', () => {
  test('depends only on modules Grafana shares, and not on react/jsx-runtime (absent before Grafana 11.6.11/12.3)', () => {
    expect(dependencies).toEqual(expect.arrayContaining(['react', '@grafana/data', '@grafana/ui', '@grafana/runtime']));
    for (const d of dependencies) expect(GRAFANA_EXTERNALS).toContain(d);
    expect(dependencies).not.toContain('react/jsx-runtime');
  });

  test('exports a DataSourcePlugin with config, query and variable editors', () => {
    const { plugin } = exported;
    expect(plugin).toBeInstanceOf(DataSourcePlugin);
    expect(typeof plugin.components.ConfigEditor).toBe('function');
    expect(typeof plugin.components.QueryEditor).toBe('function');
    const ds = new plugin.DataSourceClass({
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
    expect(ds).toBeInstanceOf(DataSourceApi);
    expect(ds.variables).toBeInstanceOf(CustomVariableSupport);
    expect(ds.variables!.getType()).toBe(VariableSupportType.Custom);
    expect(typeof (ds.variables as CustomVariableSupport<DataSourceApi>).editor).toBe('function');
  });

  test("its editors render with the host's React and @grafana/ui", () => {
    const { ConfigEditor } = exported.plugin.components;
    const options = {
      id: 1,
      uid: 'u',
      name: 'T',
      type: 'tokenscope-usage-datasource',
      access: 'proxy',
      jsonData: { url: 'http://tokenscope:8080' },
      secureJsonFields: { apiToken: true },
    };
    const Editor = ConfigEditor as ComponentType<any>;
    render(<Editor options={options} onOptionsChange={() => {}} />);
    expect((screen.getByLabelText(/^URL/) as HTMLInputElement).value).toBe('http://tokenscope:8080');
    expect((screen.getByLabelText('API token') as HTMLInputElement).value).toBe('configured');
  });
});

describe('no copy of React or @grafana/* in the bundle', () => {
  // Strings that occur in each shared package's own code; finding one in module.js means it was bundled.
  const markers = [
    { pkg: 'react', file: 'react/cjs/react.production.min.js', text: '__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED' },
    { pkg: 'react-dom', file: 'react-dom/cjs/react-dom.production.min.js', text: '__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED' },
    { pkg: '@grafana/ui', file: '@grafana/ui/dist/cjs/components/Combobox/types.cjs', text: '__GRAFANA_INTERNAL_MULTICOMBOBOX_ALL_OPTION__' },
    {
      pkg: '@grafana/data',
      file: '@grafana/data/dist/cjs/transformations/transformers/groupBy.cjs',
      text: 'Group the data by a field values then process calculations for each group.',
    },
    {
      pkg: '@grafana/runtime',
      file: '@grafana/runtime/dist/cjs/components/PanelRenderer.cjs',
      text: 'PanelRenderer can only be used after Grafana instance has been started.',
    },
    { pkg: 'rxjs', file: 'rxjs/dist/cjs/internal/util/ObjectUnsubscribedError.js', text: 'object unsubscribed' },
  ];

  test('small: no shared library fits in it', () => {
    // @grafana/data alone is megabytes; the plugin with zod (the shared query schema) is about 110 KiB.
    expect(code.length).toBeLessThan(200 * 1024);
  });

  test.each(markers)('$pkg: its code is not in module.js', ({ file, text }) => {
    expect(readFileSync(join(REPO, 'node_modules', file), 'utf8')).toContain(text);
    expect(code).not.toContain(text);
  });
});

describe("plugin.json follows Grafana's plugin.json schema", () => {
  // The rules of docs/sources/developers/plugins/plugin.schema.json that apply to a data source, restated.
  const schema = {
    type: 'object',
    required: ['type', 'name', 'id', 'info', 'dependencies'],
    properties: {
      id: { type: 'string', pattern: '^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$' },
      type: { enum: ['app', 'datasource', 'panel', 'renderer'] },
      name: { type: 'string', minLength: 1 },
      metrics: { type: 'boolean' },
      backend: { type: 'boolean' },
      alerting: { type: 'boolean' },
      info: {
        type: 'object',
        required: ['logos', 'version', 'updated', 'keywords'],
        additionalProperties: false,
        properties: {
          author: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, email: { type: 'string' }, url: { type: 'string' } } },
          description: { type: 'string' },
          keywords: { type: 'array', minItems: 1, items: { type: 'string' } },
          links: { type: 'array' },
          screenshots: { type: 'array' },
          logos: {
            type: 'object',
            required: ['small', 'large'],
            additionalProperties: false,
            properties: { small: { type: 'string' }, large: { type: 'string' } },
          },
          updated: { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2}|%TODAY%)$' },
          version: { type: 'string', pattern: '^((0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)|%VERSION%)$' },
        },
      },
      dependencies: {
        type: 'object',
        required: ['grafanaDependency'],
        additionalProperties: false,
        properties: {
          grafanaDependency: {
            type: 'string',
            pattern: '^(<=|>=|<|>|=|~|\\^)?([0-9]+)(\\.[0-9x*]+)(\\.[0-9x*]+)?(\\s(<=|>=|<|=>)?([0-9]+)(\\.[0-9x]+)(\\.[0-9x]+))?$',
          },
          plugins: { type: 'array' },
        },
      },
      routes: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          properties: {
            path: { type: 'string' },
            method: { type: 'string' },
            url: { type: 'string' },
            reqRole: { type: 'string' },
            reqSignedIn: { type: 'boolean' },
            headers: {
              type: 'array',
              items: { type: 'object', required: ['name', 'content'], properties: { name: { type: 'string' }, content: { type: 'string' } } },
            },
            body: { type: 'object' },
            tokenAuth: { type: 'object' },
            jwtTokenAuth: { type: 'object' },
            urlParams: { type: 'array' },
          },
        },
      },
    },
  };
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  test.each(['src/plugin/plugin.json', 'dist/plugin.json'])('%s is valid', (file) => {
    const json = JSON.parse(readFileSync(join(REPO, file), 'utf8'));
    expect(validate(json) ? [] : validate.errors).toEqual([]);
  });

  test('the rules catch what Grafana rejects', () => {
    const json = JSON.parse(readFileSync(join(REPO, 'src/plugin/plugin.json'), 'utf8'));
    expect(validate({ ...json, id: 'Tokenscope_DS' })).toBe(false);
    expect(validate({ ...json, info: { ...json.info, logos: { small: 'img/logo.svg' } } })).toBe(false);
    expect(validate({ ...json, routes: [{ ...json.routes[0], header: [] }] })).toBe(false);
  });

  test('a data source that queries metrics through the proxy, frontend only, for Grafana 11.6 on', () => {
    const json = JSON.parse(readFileSync(join(REPO, 'src/plugin/plugin.json'), 'utf8'));
    expect(json).toMatchObject({ type: 'datasource', id: 'tokenscope-usage-datasource', metrics: true, backend: false, alerting: false });
    // Frontend-only: alerting needs a backend component, which this plugin does not have.
    expect(json.dependencies.grafanaDependency).toBe('>=11.6.0');
  });
});
