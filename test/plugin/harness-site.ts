/**
 * What the browser suites share: building a harness page for a Grafana line, Chromium's launch, the built
 * plugin's and @grafana/ui's public files, and Grafana's data source proxy in front of a real backend (the route
 * and its secret from plugin.json, filled in on this side only, as Grafana's server does).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import pluginJson from '../../src/plugin/plugin.json';
import { routeRequest } from '../support/grafana-proxy';
import { REPO } from './build-plugin';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What Grafana's index page gives @grafana/runtime's config. */
export const BOOT_DATA = { assets: { dark: '', light: '' }, settings: {}, user: {}, navTree: [] };

/** The Grafana lines a harness page is built for: 12 = the repository's @grafana/* 12.4 with React 18, 13 = 13.2 with React 19. */
export type GrafanaLine = '12' | '13';
export type HarnessPage = 'editors' | 'dashboards';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.png': 'image/png',
};

export const grafanaUiDir = (grafana: GrafanaLine) =>
  join(REPO, grafana === '13' ? 'test/plugin/grafana-13/node_modules/@grafana/ui' : 'node_modules/@grafana/ui');

/** Builds a harness page with webpack in a child process (several builds can run at once). */
export function buildHarness(grafana: GrafanaLine, page: HarnessPage, outDir: string): Promise<void> {
  const args = [
    join(REPO, 'node_modules/webpack-cli/bin/cli.js'),
    '--config',
    join(REPO, 'test/plugin/harness/webpack.config.mjs'),
    '--env',
    `grafana=${grafana}`,
    '--env',
    `page=${page}`,
    '--env',
    `outDir=${outDir}`,
  ];
  const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, NODE_OPTIONS: '' } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${page} harness build for Grafana ${grafana} failed (${code}):\n${output}`))));
  });
}

/**
 * Serves `url` from the first folder whose prefix it starts with (404 when none has the file), and Grafana's
 * fonts (see serveInter; any other font gets an empty answer, so the page falls back to a system font). Returns
 * false when nothing matched, so the caller can answer.
 */
export function serveStatic(url: URL, res: ServerResponse, folders: ReadonlyArray<{ prefix: string; dir: string }>): boolean {
  if (url.pathname.startsWith(INTER_PATH)) {
    serveInter(url.pathname.slice(INTER_PATH.length), res);
    return true;
  }
  if (url.pathname.startsWith('/public/fonts/') || url.pathname === '/favicon.ico') {
    res.writeHead(204).end();
    return true;
  }
  const served = folders.find((s) => url.pathname.startsWith(s.prefix));
  if (!served) return false;
  const file = normalize(join(served.dir, decodeURIComponent(url.pathname.slice(served.prefix.length))));
  if (!file.startsWith(served.dir)) res.writeHead(403).end();
  else sendFile(file, res);
  return true;
}

function sendFile(file: string, res: ServerResponse): void {
  try {
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
}

/** Where Grafana's pages load its typeface, Inter (`Inter-Regular.woff2`, …), and where Debian's fonts-inter has it. */
const INTER_PATH = '/public/fonts/inter/';
const SYSTEM_INTER = '/usr/share/fonts/opentype/inter';

/**
 * Inter from Debian's fonts-inter in place of Grafana's web font (Chromium reads a font by its content, not its
 * name), so the pictures use Grafana's typeface and @grafana/ui's measureText, which measures in 'Inter' alone,
 * measures what is drawn (without it, axis labels are cut). Without the package: an empty answer.
 */
function serveInter(file: string, res: ServerResponse): void {
  const face = /^(Inter-[A-Za-z]+)\.woff2$/.exec(file)?.[1];
  try {
    if (!face) throw new Error(`${file} is not an Inter face`);
    res.writeHead(200, { 'content-type': 'font/otf' }).end(readFileSync(join(SYSTEM_INTER, `${face}.otf`)));
  } catch {
    res.writeHead(204).end();
  }
}

/** What went through the proxy: the request body and the backend's answer, both parsed when JSON. */
export interface ProxiedExchange {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  status: number;
  answer: unknown;
}

/**
 * Grafana's data source proxy for data source `uid`: the plugin.json route to `backendUrl` with the read token
 * added here. A backend 401 becomes Grafana's 400; an unreachable backend a 502. `record` sees each exchange.
 */
export async function proxyToBackend(
  req: IncomingMessage,
  res: ServerResponse,
  options: { uid: string; proxyPath: string; backendUrl: string; token: string; record?: (exchange: ProxiedExchange) => void },
): Promise<void> {
  const target = routeRequest(pluginJson.routes, options.proxyPath, {
    uid: options.uid,
    jsonData: { url: options.backendUrl },
    secureJsonData: { apiToken: options.token },
  });
  if (!target) return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  try {
    const upstream = await fetch(target.url, {
      method: req.method,
      headers: { ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}), ...target.headers },
      body,
    });
    if (upstream.status === 401) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('Authentication to data source failed');
    const answer = Buffer.from(await upstream.arrayBuffer());
    const type = upstream.headers.get('content-type') ?? 'text/plain';
    const parse = (buffer: Buffer | undefined, json: boolean) =>
      buffer === undefined ? undefined : json ? JSON.parse(buffer.toString('utf8')) : buffer.toString('utf8');
    options.record?.({
      method: req.method ?? 'GET',
      path: options.proxyPath,
      headers: req.headers,
      body: parse(body, (req.headers['content-type'] ?? '').includes('json')),
      status: upstream.status,
      answer: parse(answer, type.includes('json')),
    });
    res.writeHead(upstream.status, { 'content-type': type }).end(answer);
  } catch (error) {
    res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(error) }));
  }
}
