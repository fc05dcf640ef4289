/**
 * The backend image without Docker: the files the Dockerfile's `backend` stage copies, laid out in a temporary
 * folder, must run docker-compose.yml's backend command with its environment, and the compose health check
 * (and the Dockerfile's) must pass against it, and fail when nothing listens.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO } from './dashboard-model';

interface Service {
  command: string[];
  environment: Record<string, string>;
  healthcheck: { test: string[] };
}
const compose = parseYaml(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const backend = compose.services.backend;
const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');

/** The `COPY <src>… <dest>` lines of one stage (not those copying from another stage). */
function stageCopies(stage: string): Array<{ sources: string[]; dest: string }> {
  const start = dockerfile.search(new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${stage}\\s*$`, 'im'));
  if (start < 0) throw new Error(`Dockerfile has no stage ${stage}`);
  const rest = dockerfile.slice(start).split('\n').slice(1).join('\n');
  const end = rest.search(/^FROM\s/m);
  const body = end < 0 ? rest : rest.slice(0, end);
  return [...body.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].map((m) => {
    const parts = m[1].trim().split(/\s+/);
    return { sources: parts.slice(0, -1), dest: parts[parts.length - 1] };
  });
}

const withDefaults = (value: string) => value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');

let dir: string;
let url: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenscope-image-'));
  const app = join(dir, 'app');
  for (const { sources, dest } of stageCopies('backend')) {
    for (const source of sources) {
      // Docker's rule: into the folder when the destination ends in / (or there are several sources), else as it.
      const target = sources.length > 1 || dest.endsWith('/') ? join(app, dest, basename(source)) : join(app, dest);
      cpSync(join(REPO, source), target, { recursive: true });
    }
  }
  // The image installs the runtime packages; here the repository's own (a superset) stand in for them.
  symlinkSync(join(REPO, 'node_modules'), join(app, 'node_modules'), 'dir');

  const args = [...backend.command];
  args[args.indexOf('--port') + 1] = '0';
  args[args.indexOf('--db') + 1] = join(dir, 'data', 'tokenscope.duckdb');
  // A short history keeps the seeding quick; the compose default is 30 days.
  args.push('--days', '0.02');
  const env = Object.fromEntries(Object.entries(backend.environment).map(([k, v]) => [k, withDefaults(v)]));
  const child = spawn(process.execPath, ['bin/tokenscope.js', ...args], {
    cwd: app,
    // Loopback for the test; compose's 0.0.0.0 is checked against the backend's configuration rules elsewhere.
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env, TOKENSCOPE_HOST: '127.0.0.1', TOKENSCOPE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  };
  let output = '';
  url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`backend exited with ${code}:\n${output}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      output += `${line}\n`;
      const m = /^demo running at (\S+) /.exec(line);
      if (m) resolve(m[1]);
    });
  });
});
afterAll(async () => {
  await stop?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a health check command (`CMD node -e …`) aimed at `port` instead of the container's 8080. */
function healthCheck(command: string[], port: number): number | null {
  const [program, ...args] = command[0] === 'CMD' ? command.slice(1) : command;
  expect(program).toBe('node');
  const aimed = args.map((a) => a.replace(/127\.0\.0\.1:(8080|' \+ \(process\.env\.TOKENSCOPE_PORT \|\| 8080\) \+ ')/, `127.0.0.1:${port}`));
  return spawnSync(process.execPath, aimed, { encoding: 'utf8', timeout: 10_000 }).status;
}

const dockerfileHealthCheck = (): string[] => JSON.parse(/^\s*CMD (\[.+\])\s*$/m.exec(dockerfile.slice(dockerfile.indexOf('HEALTHCHECK')))![1]) as string[];

test('the backend stage’s files run the compose command with auth on', async () => {
  const port = Number(new URL(url).port);
  expect(port).toBeGreaterThan(0);
  const res = await fetch(`${url}/api/v1/health`);
  expect(res.status).toBe(401);
  const token = withDefaults(backend.environment.TOKENSCOPE_READ_TOKENS).split(',')[0];
  const authed = await fetch(`${url}/api/v1/health`, { headers: { authorization: `Bearer ${token}` } });
  expect(await authed.json()).toMatchObject({ status: 'ok', auth: true });
});

test('the compose and Dockerfile health checks pass against it', () => {
  const port = Number(new URL(url).port);
  expect(healthCheck(backend.healthcheck.test, port)).toBe(0);
  expect(healthCheck(dockerfileHealthCheck(), port)).toBe(0);
});

test('the health checks fail when nothing listens', async () => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const free = (probe.address() as { port: number }).port;
  probe.close();
  await once(probe, 'close');
  expect(healthCheck(backend.healthcheck.test, free)).toBe(1);
  expect(healthCheck(dockerfileHealthCheck(), free)).toBe(1);
});
