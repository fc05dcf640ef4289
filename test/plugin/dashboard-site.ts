/**
 * The dashboards suite's stand-in for Grafana: serves the dashboard harness page for one Grafana line with the
 * committed dashboard JSON and the built plugin, and proxies the plugin's requests to a demo backend, keeping
 * each exchange with the panel it was for (the page names it in a header), so tests can hold what a panel drew
 * against what the backend answered.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import pluginJson from '../../src/plugin/plugin.json';
import type { DashboardHarnessSettings } from './harness/dashboard/main';
import { REPO } from './build-plugin';
import { BOOT_DATA, grafanaUiDir, proxyToBackend, serveStatic, type GrafanaLine, type ProxiedExchange } from './harness-site';

const UID = 'tokenscope';
/** The header the page names a request's panel in (harness/dashboard/main.tsx PANEL_HEADER). */
const PANEL_HEADER = 'x-harness-panel';

export interface DashboardSiteOptions {
  grafana: GrafanaLine;
  harnessDir: string;
  pluginDir: string;
  backendUrl: string;
  token: string;
}

export interface OpenOptions {
  theme?: 'dark' | 'light';
  /** Chosen values by variable name. */
  variables?: Record<string, string | string[]>;
  from: number;
  to: number;
  width?: number;
}

/** A drawn dashboard: the page, what the panels asked the backend, and the console's errors and warnings. */
export interface OpenDashboard {
  page: Page;
  /** Exchanges by panel id ('variables' for the variables' queries). */
  exchanges: Map<string, ProxiedExchange[]>;
  problems: string[];
}

export class DashboardSite {
  private server?: Server;
  private exchanges: ProxiedExchange[] = [];
  /** Dashboards a test made, served beside the committed ones. */
  private readonly made = new Map<string, unknown>();

  constructor(private readonly options: DashboardSiteOptions) {}

  async start(): Promise<void> {
    const { grafana, harnessDir, pluginDir } = this.options;
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://harness');
      const proxyPrefix = `/api/datasources/proxy/uid/${UID}/`;
      if (url.pathname.startsWith(proxyPrefix)) {
        return void proxyToBackend(req, res, {
          uid: UID,
          proxyPath: url.pathname.slice(proxyPrefix.length) + url.search,
          backendUrl: this.options.backendUrl,
          token: this.options.token,
          record: (exchange) => this.exchanges.push(exchange),
        });
      }
      if (url.pathname === '/dashboard') {
        const settings = JSON.parse(url.searchParams.get('settings') ?? '{}') as DashboardHarnessSettings;
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(
            `<!doctype html><html><head><meta charset="utf-8"><title>Tokenscope dashboard harness</title></head><body style="margin:0"><div id="root"></div><script>window.DASHBOARD_HARNESS = ${JSON.stringify(settings)}; window.grafanaBootData = ${JSON.stringify(BOOT_DATA)};</script><script src="/harness/${grafana}/dashboards.js"></script></body></html>`,
          );
      }
      const made = this.made.get(url.pathname.slice('/dashboards/'.length));
      if (url.pathname.startsWith('/dashboards/') && made) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(made));
      const served = serveStatic(url, res, [
        { prefix: `/public/plugins/${pluginJson.id}/`, dir: pluginDir },
        { prefix: `/harness/${grafana}/`, dir: harnessDir },
        { prefix: '/dashboards/', dir: join(REPO, 'dashboards') },
        { prefix: '/public/build/img/', dir: join(grafanaUiDir(grafana), 'dist/public/img') },
      ]);
      if (!served) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }

  /** Serves `dashboard` as `file`, for panels the committed dashboards do not have yet. */
  addDashboard(file: string, dashboard: unknown): void {
    this.made.set(file, dashboard);
  }

  /** Opens `file` (a dashboards/ JSON, or one added) and waits until every panel is drawn or failed. */
  async open(context: BrowserContext, file: string, options: OpenOptions): Promise<OpenDashboard> {
    this.exchanges = [];
    const settings: DashboardHarnessSettings = {
      uid: UID,
      pluginUrl: `/public/plugins/${pluginJson.id}/module.js`,
      dashboardUrl: `/dashboards/${file}`,
      from: options.from,
      to: options.to,
      theme: options.theme ?? 'dark',
      width: options.width ?? 1600,
      variables: Object.fromEntries(Object.entries(options.variables ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    };
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      // Grafana's web fonts are not served here (the page falls back to a system font): not the panels' problem.
      if (msg.type() === 'warning' && msg.text().startsWith('Failed to decode downloaded font')) return;
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    const port = (this.server!.address() as AddressInfo).port;
    await page.goto(`http://127.0.0.1:${port}/dashboard?settings=${encodeURIComponent(JSON.stringify(settings))}`);
    await page.locator('[data-testid="dashboard"][data-ready="true"]').waitFor({ timeout: 60_000 });
    const exchanges = new Map<string, ProxiedExchange[]>();
    for (const e of this.exchanges) {
      const panel = String(e.headers[PANEL_HEADER] ?? '');
      exchanges.set(panel, [...(exchanges.get(panel) ?? []), e]);
    }
    return { page, exchanges, problems };
  }
}
