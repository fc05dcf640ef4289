/**
 * The provisioned dashboards drawn in headless Chromium by Grafana's own visualisation components (see
 * harness/dashboard/), with the built module.js querying a `tokenscope demo` backend through the stand-in
 * proxy, under @grafana/* 12.4 + React 18 and 13.2 + React 19. What each panel shows is read from the DOM the
 * components render and held against the backend's own answers; Inspect's CSV against the same numbers.
 * Screenshots of both dashboards go to test-output/dashboards/ on every run; TOKENSCOPE_DOCS_SCREENSHOTS=1
 * (`npm run screenshots`) also writes the README's pictures to docs/images/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Dashboard, Panel } from '@grafana/schema';
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

describe.skipIf(!chromiumProgram.path)(`the dashboards drawn in Chromium${chromiumProgram.skipReason}`, () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const harnesses = Promise.all(HOSTS.map((h) => buildHarness(h.grafana, 'dashboards', harnessDir(h.grafana))));
    buildPlugin(join(OUT, 'plugin'));
    now = Date.now();
    demo = await startDemoProcess({ days: 7, env: { TOKENSCOPE_READ_TOKENS: READ_TOKEN, TOKENSCOPE_INGEST_TOKENS: INGEST_TOKEN } });
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
    const site = () => sites.get(host.grafana)!;
    const open = (file: string, options: Partial<OpenOptions> & { days?: number } = {}) => site().open(context, file, { ...rangeOf(file, options.days), ...options });
    const opened: OpenDashboard[] = [];
    const track = async (dashboard: Promise<OpenDashboard>) => {
      const d = await dashboard;
      opened.push(d);
      return d;
    };

    beforeAll(async () => {
      mkdirSync(shots, { recursive: true });
      const s = new DashboardSite({ grafana: host.grafana, harnessDir: harnessDir(host.grafana), pluginDir: join(OUT, 'plugin'), backendUrl: demo.url, token: READ_TOKEN });
      await s.start();
      sites.set(host.grafana, s);
    });
    afterAll(async () => {
      for (const d of opened) await d.page.close();
      await sites.get(host.grafana)?.stop();
    });

    test.each([RANKING, TREND])('%s drawn over the demo’s last 7 days, dark and light', async (file) => {
      const name = file.replace(/\.json$/, '');
      for (const theme of ['dark', 'light'] as const) {
        const dashboard = await track(open(file, { theme, days: 7 }));
        const path = join(shots, `${name}-${theme}.png`);
        await dashboard.page.screenshot({ path, fullPage: true });
        if (WRITE_DOCS_IMAGES && theme === 'dark' && host.grafana === '12') {
          mkdirSync(DOCS_IMAGES, { recursive: true });
          await dashboard.page.screenshot({ path: join(DOCS_IMAGES, `${name}.png`), fullPage: true });
        }
        const states = await dashboard.page.locator('[data-testid="panel"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-panel-id')}:${e.getAttribute('data-state')}:${e.getAttribute('data-error') ?? ''}`));
        expect(states).toEqual(panelsOf(file).map((p) => `${p.id}:done:`));
        expect(dashboard.problems).toEqual([]);
      }
    });
  });
});

const sites = new Map<GrafanaLine, DashboardSite>();
