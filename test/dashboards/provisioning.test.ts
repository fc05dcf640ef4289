/**
 * Provisioning and the compose stack, checked without a Docker engine: the YAML parses and points at files that
 * exist, the data source matches the plugin's routes and the dashboards' uid, docker-compose.yml validates with
 * Debian's docker-compose and wires health checks, tokens, the plugin volume and the mounts together.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DASHBOARDS } from '../../dashboards/src/dashboards';
import { DATASOURCE_UID } from '../../dashboards/src/panels';
import { loadConfig } from '../../src/server/config';
import { systemProgram } from '../support/system-program';
import { REPO } from './dashboard-model';

interface ComposeService {
  build?: { context: string; target?: string; dockerfile?: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const pluginJson = JSON.parse(read('src/plugin/plugin.json')) as {
  id: string;
  routes: Array<{ path: string; url: string; headers?: Array<{ name: string; content: string }> }>;
  dependencies: { grafanaDependency: string };
};
const compose = parseYaml(read('docker-compose.yml')) as Compose;
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

/** `${NAME:-default}` / `${NAME}` with an empty environment, as `docker compose` resolves them on a fresh machine. */
const withDefaults = (value: string) => value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');

/** A compose volume entry `source:target[:mode]`: a host path (bind mount) or a named volume. */
function mountsOf(svc: ComposeService): Array<{ source: string; target: string; bind: boolean }> {
  return (svc.volumes ?? []).map((entry) => {
    const [source, target] = entry.split(':');
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
  });
}

/** The host path behind a path inside a container, through the service's bind mounts. */
function hostPathOf(svc: ComposeService, containerPath: string): string | undefined {
  const mount = mountsOf(svc)
    .filter((m) => m.bind && (containerPath === m.target || containerPath.startsWith(`${m.target}/`)))
    .sort((a, b) => b.target.length - a.target.length)[0];
  return mount && join(REPO, mount.source, posix.relative(mount.target, containerPath));
}

/** Variables a provisioning file's values take from Grafana's environment (`$VAR`, `${VAR}`; `$$` is a literal `$`). */
function envReferences(value: unknown): string[] {
  if (typeof value === 'string') return [...value.replaceAll('$$', '').matchAll(/\$\{?(\w+)\}?/g)].map((m) => m[1]);
  if (value && typeof value === 'object') return Object.values(value).flatMap(envReferences);
  return [];
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(join(REPO, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
}

describe('provisioning', () => {
  const datasources = parseYaml(read('provisioning/datasources/tokenscope.yaml')) as {
    apiVersion: number;
    datasources: Array<{ name: string; type: string; uid: string; access: string; jsonData: Record<string, string>; secureJsonData: Record<string, string> }>;
  };
  const [tokenscope] = datasources.datasources;

  test('every provisioning file is YAML that parses to an object with apiVersion 1', () => {
    const files = yamlFilesUnder('provisioning');
    expect(files).toEqual(expect.arrayContaining(['provisioning/datasources/tokenscope.yaml', 'provisioning/dashboards/tokenscope.yaml']));
    for (const file of files) expect((parseYaml(read(file)) as { apiVersion?: number }).apiVersion, file).toBe(1);
  });

  test('across all provisioned data sources, uids are unique and exactly one is the default (Grafana refuses two)', () => {
    const all = yamlFilesUnder('provisioning/datasources').flatMap(
      (f) => (parseYaml(read(f)) as { datasources?: Array<{ uid: string; isDefault?: boolean }> }).datasources ?? [],
    );
    expect(new Set(all.map((d) => d.uid)).size).toBe(all.length);
    expect(all.filter((d) => d.isDefault).map((d) => d.uid)).toEqual([DATASOURCE_UID]);
  });

  test('the data source is the plugin, with the uid every dashboard panel names', () => {
    expect(datasources.datasources).toHaveLength(1);
    expect(tokenscope).toMatchObject({ type: pluginJson.id, uid: DATASOURCE_UID, access: 'proxy' });
  });

  test('its settings are exactly what the plugin’s proxy route reads, and the token comes from the environment', () => {
    const templates = pluginJson.routes.flatMap((r) => [r.url, ...(r.headers ?? []).map((h) => h.content)]).join(' ');
    const read = (kind: string) => [...templates.matchAll(new RegExp(`\\.${kind}\\.(\\w+)`, 'g'))].map((m) => m[1]).sort();
    expect(Object.keys(tokenscope.jsonData).sort()).toEqual(read('JsonData'));
    expect(Object.keys(tokenscope.secureJsonData).sort()).toEqual(read('SecureJsonData'));
    for (const [key, value] of Object.entries({ ...tokenscope.jsonData, ...tokenscope.secureJsonData })) {
      expect(value, key).toMatch(/^\$\{?\w+\}?$/);
    }
  });

  test('the dashboard provider loads the generated files from the folder compose mounts', () => {
    const { providers } = parseYaml(read('provisioning/dashboards/tokenscope.yaml')) as {
      providers: Array<{ type: string; options: { path: string }; allowUiUpdates: boolean }>;
    };
    expect(providers).toHaveLength(1);
    expect(providers[0].type).toBe('file');
    const hostDir = hostPathOf(service('grafana'), providers[0].options.path);
    expect(hostDir, `${providers[0].options.path} is not mounted into grafana`).toBeDefined();
    for (const { file } of DASHBOARDS) expect(existsSync(join(hostDir!, file)), file).toBe(true);
  });
});

describe('docker-compose.yml', () => {
  const backend = service('backend');
  const grafana = service('grafana');
  const plugin = service('plugin');
  const dockerfileStages = (context: string, dockerfile = 'Dockerfile') =>
    [...readFileSync(join(REPO, context, dockerfile), 'utf8').matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);

  test('every build context, Dockerfile stage and bind-mounted path exists', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build) {
        expect(existsSync(join(REPO, svc.build.context)), `${name} build context`).toBe(true);
        if (svc.build.target) expect(dockerfileStages(svc.build.context, svc.build.dockerfile), `${name} target`).toContain(svc.build.target);
      }
      for (const m of mountsOf(svc)) {
        if (m.bind) expect(existsSync(join(REPO, m.source)), `${name} mounts ${m.source}`).toBe(true);
        else expect(compose.volumes, `${name} uses undeclared volume ${m.source}`).toHaveProperty(m.source);
      }
    }
  });

  test('the backend runs the demo with auth on (it listens on 0.0.0.0), a volume for DuckDB and a /healthz health check', () => {
    expect(backend.build?.target).toBe('backend');
    expect(backend.command?.[0]).toBe('demo');
    const env = Object.fromEntries(Object.entries(backend.environment ?? {}).map(([k, v]) => [k, withDefaults(v)]));
    // The backend's own configuration check accepts it, with auth on.
    const config = loadConfig(env);
    expect(config).toMatchObject({ host: '0.0.0.0', authEnabled: true });
    const db = backend.command![backend.command!.indexOf('--db') + 1];
    expect(
      mountsOf(backend).find((m) => !m.bind && m.target === dirname(db)),
      `no volume at ${dirname(db)}`,
    ).toBeDefined();
    expect(backend.healthcheck?.test.join(' ')).toContain('/healthz');
  });

  test('Grafana is a pinned image that satisfies the plugin’s grafanaDependency, started only once the backend is healthy and the plugin built', () => {
    const version = /^grafana\/grafana:(\d+)\.(\d+)\.(\d+)$/.exec(grafana.image ?? '');
    expect(version, `grafana image ${grafana.image} is not pinned to x.y.z`).not.toBeNull();
    const minimum = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(pluginJson.dependencies.grafanaDependency);
    expect(minimum, `cannot read grafanaDependency ${pluginJson.dependencies.grafanaDependency}`).not.toBeNull();
    const [have, need] = [version!.slice(1).map(Number), minimum!.slice(1).map(Number)];
    const cmp = have[0] - need[0] || have[1] - need[1] || have[2] - need[2];
    expect(cmp, `${grafana.image} is older than ${pluginJson.dependencies.grafanaDependency}`).toBeGreaterThanOrEqual(0);
    expect(grafana.depends_on).toEqual({ backend: { condition: 'service_healthy' }, plugin: { condition: 'service_completed_successfully' } });
    expect(grafana.healthcheck?.test.join(' ')).toContain('/api/health');
  });

  test('Grafana loads the freshly built plugin, unsigned for this plugin id only', () => {
    expect(plugin.build?.target).toBe('plugin');
    const shared = mountsOf(plugin).find((m) => !m.bind)!;
    expect(mountsOf(grafana)).toContainEqual({ source: shared.source, target: `/var/lib/grafana/plugins/${pluginJson.id}`, bind: false });
    expect(grafana.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe(pluginJson.id);
  });

  test('Grafana gets every variable the provisioning files read, and its token is one the backend accepts', () => {
    const provisioningDir = hostPathOf(grafana, '/etc/grafana/provisioning');
    expect(provisioningDir && relative(REPO, provisioningDir)).toBe('provisioning');
    const needed = new Set(yamlFilesUnder('provisioning').flatMap((f) => envReferences(parseYaml(read(f)))));
    expect(needed.size).toBeGreaterThan(0);
    for (const name of needed) expect(grafana.environment, `grafana lacks ${name}`).toHaveProperty(name);
    const env = grafana.environment!;
    const readTokens = withDefaults(backend.environment!.TOKENSCOPE_READ_TOKENS).split(',');
    expect(readTokens).toContain(withDefaults(env.TOKENSCOPE_READ_TOKEN));
    expect(new URL(env.TOKENSCOPE_URL).hostname).toBe('backend');
    expect(new URL(env.TOKENSCOPE_URL).port).toBe(backend.command![backend.command!.indexOf('--port') + 1]);
    const home = hostPathOf(grafana, env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH);
    expect(home && statSync(home).isFile(), 'home dashboard').toBe(true);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map(
      (p) =>
        new RegExp(
          `^${p
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*\*/g, '\u0000')
            .replace(/\*/g, '[^/]*')
            .replace(/\u0000/g, '.*')}(/.*)?$`,
        ),
    );
  const isIgnored = (path: string) => ignored.some((re) => re.test(path));

  test('builds on Node 20', () => {
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/^node:20\.\d+\.\d+-/);
    for (const from of dockerfile.matchAll(/^FROM\s+(\S+)/gm)) expect(['${NODE_IMAGE}', 'deps']).toContain(from[1]);
  });

  test('copies only files that exist and that .dockerignore keeps in the context', () => {
    const copies = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].map((m) => m[1].trim().split(/\s+/).slice(0, -1));
    expect(copies.length).toBeGreaterThan(0);
    for (const sources of copies) {
      for (const source of sources) {
        expect(existsSync(join(REPO, source)), source).toBe(true);
        if (source !== '.') expect(isIgnored(source), `${source} is excluded by .dockerignore`).toBe(false);
      }
    }
    // What the plugin build (`COPY . .`) reads must survive the ignore list too.
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'src/plugin/plugin.json', 'src/shared/catalogue.ts']) {
      expect(isIgnored(path), path).toBe(false);
    }
    expect(isIgnored('node_modules')).toBe(true);
  });

  test('starts the backend as npm run serve/demo and the benchmark do: two glibc arenas, 4 MiB young-generation halves, one V8 background thread', () => {
    const backend = dockerfile.slice(dockerfile.indexOf('AS backend\n'));
    expect(/^ENV[^]*?^\s+MALLOC_ARENA_MAX=2 \\$/m.test(backend)).toBe(true);
    expect(JSON.parse(/^ENTRYPOINT (\[.+\])$/m.exec(backend)![1])).toEqual(['node', '--max-semi-space-size=4', '--v8-pool-size=1', 'bin/tokenscope.js']);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const command of ['serve', 'demo']) expect(scripts[command]).toBe(`MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --v8-pool-size=1 bin/tokenscope.js ${command}`);
    const bench = read('bench/backend-bench.ts');
    expect(bench).toContain("MALLOC_ARENA_MAX: '2'");
    expect(bench).toMatch(/NODE_OPTIONS: \[\s*'--max-semi-space-size=4',\s*'--v8-pool-size=1',/);
    // DuckDB's jemalloc settings are the CLI's own, so every way of starting it has them.
    expect(read('bin/tokenscope.js')).toContain("process.env.DUCKDB_JE_MALLOC_CONF ??= 'narenas:1,muzzy_decay_ms:0';");
  });
});

const dockerCompose = systemProgram('docker-compose', 'apt-get install docker-compose');
describe.skipIf(!dockerCompose.path)(`docker-compose config${dockerCompose.skipReason}`, () => {
  const run = (file: string) =>
    spawnSync(dockerCompose.path!, ['-f', file, 'config'], { cwd: dirname(file), encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: tmpdir() } });

  test('validates docker-compose.yml', () => {
    const result = run(join(REPO, 'docker-compose.yml'));
    expect(result.stderr).not.toMatch(/error|invalid|unsupported/i);
    expect(result.status).toBe(0);
    const resolved = parseYaml(result.stdout) as Compose;
    expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(compose.services).sort());
  });

  test('rejects a compose file with a wrong option (the validation is real)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-compose-'));
    try {
      const file = join(dir, 'docker-compose.yml');
      writeFileSync(file, 'services:\n  backend:\n    image: busybox\n    healthcheck:\n      test: 42\n    restart_policy: always\n');
      const result = run(file);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/restart_policy|healthcheck/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
