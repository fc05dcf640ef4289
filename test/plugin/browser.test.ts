/**
 * The built plugin in headless Chromium (Debian's package, driven by playwright-core): the harness page loads
 * dist's module.js through an AMD define with the shared React/@grafana modules, renders the config and query
 * editors inside @grafana/ui's theme, and talks to a real backend through a stand-in of Grafana's data source
 * proxy served by this test. The one build of module.js runs under two hosts: @grafana/* 12.4 with React 18
 * (what it compiles against) and @grafana/* 13.2 with React 19 (Grafana 13.2+'s runtime, from the
 * test/plugin/grafana-13 workspace). Screenshots go to test-output/browser/<host>/; any console error fails.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pluginJson from '../../src/plugin/plugin.json';
import { SELECTORS } from '../../src/plugin/selectors';
import { systemProgram } from '../support/system-program';
import type { TestServerProcess } from '../support/test-server-process';
import { buildPlugin, REPO } from './build-plugin';
import { BOOT_DATA, buildHarness, CHROMIUM_ARGS, grafanaUiDir, proxyToBackend, serveStatic } from './harness-site';
import { RANGE, READ_TOKEN, startUsageBackend } from './usage-fixture';

const chromiumProgram = systemProgram(['chromium', 'chromium-browser'], "Debian's chromium package: apt-get install chromium");
const OUT = join(REPO, 'test-output', 'browser');
const UID = 'tokenscope';
/** The Grafana runtimes the same module.js must work in; `grafana` picks the harness build (see its webpack config). */
const HOSTS = [
  { grafana: '12', title: '@grafana/* 12.4 with React 18', react: /^18\./, grafanaLine: /^12\.4\./ },
  { grafana: '13', title: '@grafana/* 13.2 with React 19 (Grafana 13.2+)', react: /^19\./, grafanaLine: /^13\.2\./ },
] as const;
type Host = (typeof HOSTS)[number];
/** Packages that must exist once in a page: a second React breaks hooks, a second @grafana or emotion copy splits contexts and registries. */
const SINGLE_COPY = /^(react|react-dom|scheduler|rxjs|@emotion\/react|@emotion\/css|@grafana\/(data|ui|runtime|schema|i18n|e2e-selectors))$/;

let backend: TestServerProcess;
let context: BrowserContext;
let userDataDir: string;

const harnessDir = (host: Host) => join(OUT, `harness-${host.grafana}`);

/** Grafana's part for one host: the page, the plugin's public files, and the data source proxy with its route and secret. */
const handle = (host: Host) => (req: IncomingMessage, res: ServerResponse) => {
  const url = new URL(req.url ?? '/', 'http://harness');
  const proxyPrefix = `/api/datasources/proxy/uid/${UID}/`;
  if (url.pathname.startsWith(proxyPrefix)) return void proxy(req, res, url.pathname.slice(proxyPrefix.length) + url.search);
  if (url.pathname === '/') {
    const settings = { uid: UID, pluginUrl: `/public/plugins/${pluginJson.id}/module.js`, ...RANGE };
    return void res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        `<!doctype html><html><head><meta charset="utf-8"><title>Tokenscope plugin harness</title></head><body><div id="root"></div><script>window.HARNESS = ${JSON.stringify(settings)}; window.grafanaBootData = ${JSON.stringify(BOOT_DATA)};</script><script src="/harness/${host.grafana}/host.js"></script></body></html>`,
      );
  }
  const served = serveStatic(url, res, [
    { prefix: `/public/plugins/${pluginJson.id}/`, dir: join(OUT, 'plugin') },
    { prefix: `/harness/${host.grafana}/`, dir: harnessDir(host) },
    // Grafana serves @grafana/ui's icons from here.
    { prefix: '/public/build/img/', dir: join(grafanaUiDir(host.grafana), 'dist/public/img') },
  ]);
  if (!served) res.writeHead(404).end();
};

function proxy(req: IncomingMessage, res: ServerResponse, proxyPath: string): Promise<void> {
  return proxyToBackend(req, res, { uid: UID, proxyPath, backendUrl: backend.url, token: READ_TOKEN });
}

/** Builds a host's editors page. */
function buildHarnessFor(host: Host): Promise<void> {
  return buildHarness(host.grafana, 'editors', harnessDir(host));
}

describe.skipIf(!chromiumProgram.path)(`plugin editors in Chromium${chromiumProgram.skipReason}`, () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const harnesses = Promise.all(HOSTS.map(buildHarnessFor));
    buildPlugin(join(OUT, 'plugin'));
    await harnesses;
    ({ server: backend } = await startUsageBackend());
    userDataDir = mkdtempSync(join(tmpdir(), 'tokenscope-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumProgram.path!,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await backend?.stop();
  });

  describe.each(HOSTS.map((host) => [host.title, host] as const))('the same module.js with %s', (_title, host) => {
    const shots = join(OUT, `grafana-${host.grafana}`);
    const consoleErrors: string[] = [];
    let site: Server;
    let page: Page;
    const emitted = async () => JSON.parse((await page.locator('#emitted').textContent()) ?? '{}');
    const result = async () => JSON.parse((await page.locator('#result').textContent()) || '{}');

    beforeAll(async () => {
      mkdirSync(shots, { recursive: true });
      site = createServer(handle(host));
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
      page = await context.newPage();
      page.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(msg.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(String(error)));
      page.on('response', (r) => {
        if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()} ${r.url()}`);
      });
      await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}`);
      await page.getByTestId(SELECTORS.query.editor).waitFor({ timeout: 60_000 });
    }, 120_000);

    afterAll(async () => {
      await page?.close();
      await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
    });

    test('the page bundles one copy of React, react-dom and each @grafana package, of this line', () => {
      const bundled: { name: string; version: string; folder: string }[] = JSON.parse(readFileSync(join(harnessDir(host), 'bundled-packages.json'), 'utf8'));
      const copies = new Map<string, string[]>();
      for (const p of bundled.filter((p) => SINGLE_COPY.test(p.name))) copies.set(p.name, [...(copies.get(p.name) ?? []), `${p.version} ${p.folder}`]);
      expect([...copies].filter(([, found]) => found.length > 1)).toEqual([]);
      const version = (name: string) => bundled.find((p) => p.name === name)?.version;
      expect(version('react')).toMatch(host.react);
      expect(version('react-dom')).toBe(version('react'));
      for (const name of ['@grafana/data', '@grafana/ui', '@grafana/runtime']) expect(version(name), name).toMatch(host.grafanaLine);
    });

    test("module.js gets the page's React and exports a DataSourcePlugin with config, query and variable editors", async () => {
      const loaded = JSON.parse((await page.locator('#module').textContent()) ?? '{}');
      expect(loaded.react).toMatch(host.react);
      expect(loaded.reactDom).toBe(loaded.react);
      expect(loaded.deps).toEqual(expect.arrayContaining(['react', '@grafana/data', '@grafana/ui', '@grafana/runtime']));
      expect(loaded.deps).not.toContain('react/jsx-runtime');
      expect(loaded).toMatchObject({
        isDataSourcePlugin: true,
        configEditor: 'function',
        queryEditor: 'function',
        datasourceIsDataSourceApi: true,
        variablesAreCustom: true,
        variablesType: 'custom',
        variableEditor: 'function',
      });
    });

    test('the config editor shows the URL and a configured token; Save & test reaches the backend through the proxy', async () => {
      await expect.poll(() => page.getByTestId(SELECTORS.config.url).inputValue()).toBe('http://tokenscope:8080');
      await expect.poll(() => page.getByTestId(SELECTORS.config.token).inputValue()).toBe('configured');
      await page.locator('#save-test').click();
      await expect.poll(() => page.locator('#health').textContent()).toMatch(/^success: Connected to Tokenscope/);
      await page.locator('#config').screenshot({ path: join(shots, 'config-editor.png') });
    });

    test('a new query is saved in the current shape with a per-model trend', async () => {
      await expect.poll(emitted).toMatchObject({ refId: 'A', schemaVersion: 1, queryType: 'trend', metrics: ['total_tokens'], dimension: 'model' });
      await page.locator('#query').screenshot({ path: join(shots, 'query-editor-new.png') });
    });

    test('changing the dimension emits it and the panel data follows', async () => {
      await page.locator(`#${SELECTORS.query.dimension}`).click();
      await page.getByRole('option', { name: /By Service/ }).click();
      await expect.poll(emitted).toMatchObject({ dimension: 'service' });
      await expect.poll(result).toEqual({ errors: [], fields: ['Time', 'chat', 'search', 'Bucket end'] });
    });

    test('adding a metric emits it and each series is named by value and metric', async () => {
      await page.locator(`#${SELECTORS.query.metrics}`).click();
      await page.getByRole('option', { name: /^Requests/ }).click();
      await page.keyboard.press('Escape');
      await expect.poll(emitted).toMatchObject({ metrics: ['total_tokens', 'requests'], dimension: 'service' });
      await expect
        .poll(result)
        .toEqual({ errors: [], fields: ['Time', 'chat · Total Tokens', 'search · Total Tokens', 'chat · Requests', 'search · Requests', 'Bucket end'] });
      await page.locator('#query').screenshot({ path: join(shots, 'query-editor-changed.png') });
    });

    test('filter values are suggested from the backend', async () => {
      await page.locator(`#${SELECTORS.query.filter('model')}`).click();
      await expect.poll(() => page.getByRole('option').allTextContents()).toEqual(expect.arrayContaining(['bge-m3', 'glm-5', 'qwen3-vl', 'tiny-1']));
      await page.screenshot({ path: join(shots, 'filter-suggestions.png') });
      await page.getByRole('option', { name: 'glm-5' }).click();
      await page.keyboard.press('Escape');
      await expect.poll(emitted).toMatchObject({ filters: { model: ['glm-5'] } });
      await page.screenshot({ path: join(shots, 'page.png'), fullPage: true });
    });

    test('no console errors', () => {
      expect(consoleErrors).toEqual([]);
    });
  });
});
