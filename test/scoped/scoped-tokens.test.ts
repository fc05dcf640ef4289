/**
 * Scoped tokens, every route and query shape, on every engine (DuckDB, ClickHouse, a two-shard ClickHouse
 * cluster; ENGINES narrows it): a scoped token's answer equals what an unscoped token answers with the scope
 * written out as filters (the values computed here from the events sent), sums checked against plain arithmetic
 * over those events, and no name outside the scope in any body, CSV row or metric label. Also: filters that leave
 * the scope narrow to nothing, and an ingest token writes only its scope.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parsePrometheusText, samplesOf } from '../support/prometheus-text';
import { startTestServer, type TestServer } from '../support/test-server';
import { rng } from '../support/usage-events';
import { selectedEngines } from '../conformance/conformance-engines';

const DIMS = ['service', 'model', 'model_type', 'api_key'] as const;
type Dim = (typeof DIMS)[number];
type Scope = Partial<Record<Dim, string[]>>;

const SECRET = 'sk-live-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const SERVICES = ['team-a-api', 'team-a-batch', 'team-b-api', 'team-b-search', 'shared-gateway', 'ops-tools'];
const MODELS = [
  ['glm-5', 'text_generation'],
  ['glm-4', 'text_generation'],
  ['gpt-x', 'text_generation'],
  ['emb-1', 'embedding'],
  ['vis-2', 'vision'],
];
const KEYS = ['team-a-key', 'team-b-key', 'ops-key', SECRET];

interface Event {
  id: string;
  timestamp: number;
  service: string;
  model: string;
  model_type: string;
  api_key: string;
  input_tokens: number;
  output_tokens: number;
}

const NOW = Date.now();
const H = 3_600_000;
const FROM = NOW - 6 * H;
const TO = NOW + 1;

function makeEvents(n: number): Event[] {
  const r = rng(14);
  const pick = <T>(list: T[]) => list[Math.floor(r() * list.length)];
  return Array.from({ length: n }, (_, i) => {
    const [model, type] = pick(MODELS);
    // Every tenth event within the last five minutes, for the live counters of /metrics; the rest before their window.
    const timestamp = i % 10 === 0 ? NOW - Math.floor(r() * 300_000) : FROM + Math.floor(r() * (6 * H - 900_000));
    return {
      id: `scoped-${i}`,
      timestamp,
      service: pick(SERVICES),
      model,
      model_type: type,
      api_key: pick(KEYS),
      input_tokens: 1 + Math.floor(r() * 5000),
      output_tokens: Math.floor(r() * 900),
    };
  });
}
const EVENTS = makeEvents(1500);

/** The test's own reading of a scope entry: `*` is any run, nothing else is special. */
const entryMatches = (entry: string, value: string) =>
  new RegExp(
    `^${entry
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);
const inScope = (scope: Scope, e: Event) => DIMS.every((d) => !scope[d] || scope[d]!.some((entry) => entryMatches(entry, e[d])));
/** The scope written out as plain filters: the values the events have that the scope allows. */
const asFilters = (scope: Scope): Scope =>
  Object.fromEntries(
    DIMS.filter((d) => scope[d]).map((d) => [d, [...new Set(EVENTS.map((e) => e[d]))].filter((v) => scope[d]!.some((x) => entryMatches(x, v))).sort()]),
  );

const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
const TOKENS: { name: string; token: string; scope: Scope | null }[] = [
  { name: 'admin', token: 'admin-token-000000000000000000', scope: null },
  { name: 'single-service', token: 'single-token-00000000000000000', scope: { service: ['team-a-api'] } },
  { name: 'pattern', token: 'pattern-token-0000000000000000', scope: { service: ['team-a-*'] } },
  {
    name: 'several',
    token: 'several-token-0000000000000000',
    scope: { service: ['team-*', 'shared-gateway'], model_type: ['text_generation'], model: ['glm-*', 'gpt-x'] },
  },
  { name: 'keys', token: 'keys-token-000000000000000000000', scope: { api_key: [SECRET, 'team-b-*'] } },
];
const GATEWAY = { name: 'team-a-gateway', token: 'gateway-token-0000000000000000' };
const SCOPED = TOKENS.filter((t) => t.scope);
const ADMIN = TOKENS[0];

function tokensFile(): string {
  const lines = ['tokens:'];
  for (const t of TOKENS) {
    lines.push(`  - name: ${t.name}`, `    sha256: ${sha256(t.token)}`, `    roles: [${t.scope ? 'read, scrape' : 'read, scrape, ingest'}]`);
    if (t.scope) lines.push(`    scope: ${JSON.stringify(t.scope)}`);
  }
  lines.push(
    `  - name: ${GATEWAY.name}`,
    `    sha256: ${sha256(GATEWAY.token)}`,
    '    roles: [ingest]',
    '    service: team-a-api',
    '    scope: { service: [team-a-*] }',
  );
  return lines.join('\n') + '\n';
}

/** The query shapes every token is asked. */
const SHAPES: Record<string, unknown>[] = [
  { type: 'totals', metrics: ['total_tokens', 'input_tokens', 'output_tokens', 'requests', 'total_tokens_per_minute'] },
  ...DIMS.map((dimension) => ({ type: 'ranking', dimension, limit: 2, metrics: ['total_tokens', 'requests'] })),
  { type: 'trend', granularity: '1h', metrics: ['total_tokens', 'requests'] },
  ...DIMS.map((dimension) => ({ type: 'trend', granularity: '1h', dimension, limit: 2, metrics: ['total_tokens'] })),
  ...DIMS.map((dimension) => ({ type: 'movers', dimension, limit: 2, metrics: ['total_tokens'], offset: '1h' })),
  { type: 'calls', limit: 50 },
  { type: 'calls', limit: 5, orderBy: 'duration_ms' },
];

/** Plain sums over the events inside a scope (and inside extra filters). */
function oracle(scope: Scope, extra: Scope = {}) {
  const events = EVENTS.filter((e) => e.timestamp >= FROM && e.timestamp < TO && inScope(scope, e) && inScope(extra, e));
  const total = (list: Event[]) => list.reduce((n, e) => n + e.input_tokens + e.output_tokens, 0);
  const by = (d: Dim) => {
    const groups = new Map<string, Event[]>();
    for (const e of events) groups.set(e[d], [...(groups.get(e[d]) ?? []), e]);
    return [...groups].map(([key, list]) => ({ key, total: total(list), requests: list.length })).sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : 1));
  };
  return { events, total: total(events), requests: events.length, by };
}

for (const engine of selectedEngines()) {
  describe.skipIf(engine.skipReason !== '')(`scoped tokens on ${engine.name}${engine.skipReason}`, () => {
    let server: TestServer;
    let stopEngine: () => Promise<void> = async () => {};
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-scoped-'));
    const file = join(dir, 'tokens.yaml');

    beforeAll(async () => {
      const started = await engine.start();
      stopEngine = started.stop;
      writeFileSync(file, tokensFile());
      server = await startTestServer({ TOKENSCOPE_STORE: started.store, TOKENSCOPE_TOKENS_FILE: file, TOKENSCOPE_HOST: '127.0.0.1' });
      const sent = await server.json('POST', '/api/v1/usage', EVENTS, { authorization: `Bearer ${ADMIN.token}` });
      expect(sent.status).toBe(200);
      expect(sent.body.accepted).toBe(EVENTS.length);
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
      await stopEngine();
      rmSync(dir, { recursive: true, force: true });
    });

    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const query = async (token: string, body: Record<string, unknown>) => {
      const res = await server.json('POST', '/api/v1/query', { from: FROM, to: TO, ...body }, as(token));
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
      return res.body;
    };
    const get = async (token: string, path: string) => {
      const res = await fetch(server.url + path, { headers: as(token) });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(200);
      return text;
    };
    const params = (filters: Scope) => `from=${FROM}&to=${TO}${Object.keys(filters).length ? `&filters=${encodeURIComponent(JSON.stringify(filters))}` : ''}`;

    /** The names a scoped token must never see: values of its scoped dimensions that the scope does not allow. */
    const outside = (scope: Scope) =>
      DIMS.filter((d) => scope[d]).flatMap((d) => [...new Set(EVENTS.map((e) => e[d]))].filter((v) => !scope[d]!.some((x) => entryMatches(x, v))));
    const expectNoLeak = (scope: Scope, text: string) => {
      for (const name of outside(scope)) expect(text.includes(name), `'${name}' leaked`).toBe(false);
      expect(text).not.toContain(SECRET);
    };

    describe.each(SCOPED)('token $name', ({ token, scope }) => {
      test('every query shape answers what the unscoped token answers with the scope as filters', async () => {
        for (const shape of SHAPES) {
          const scoped = await query(token, shape);
          const filtered = await query(ADMIN.token, { ...shape, filters: asFilters(scope!) });
          expect(scoped, JSON.stringify(shape)).toEqual(filtered);
          expectNoLeak(scope!, JSON.stringify(scoped));
        }
      });

      test('totals, ranking rows, other and shares are the sums of the events inside the scope', async () => {
        const o = oracle(scope!);
        expect(o.requests).toBeGreaterThan(10);
        const totals = await query(token, { type: 'totals', metrics: ['total_tokens', 'requests'] });
        expect(totals.totals).toEqual({ total_tokens: o.total, requests: o.requests });
        for (const dimension of ['service', 'model', 'model_type'] as const) {
          const ranking = await query(token, { type: 'ranking', dimension, limit: 2, metrics: ['total_tokens'] });
          const groups = o.by(dimension);
          expect(ranking.rows.map((r: any) => [r.key, r.metrics.total_tokens])).toEqual(groups.slice(0, 2).map((g) => [g.key, g.total]));
          ranking.rows.forEach((r: any, i: number) => expect(r.share).toBeCloseTo(groups[i].total / o.total, 12));
          const rest = groups.slice(2);
          if (rest.length === 0) expect(ranking.other).toBeNull();
          else {
            expect(ranking.other.count).toBe(rest.length);
            expect(ranking.other.share).toBeCloseTo(rest.reduce((n, g) => n + g.total, 0) / o.total, 12);
          }
          expect(ranking.totals.total_tokens).toBe(o.total);
        }
        const trend = await query(token, { type: 'trend', granularity: '1h', metrics: ['requests'] });
        expect(trend.series[0].values.reduce((a: number, b: number) => a + b, 0)).toBe(o.requests);
      });

      test('dimension values list only names inside the scope', async () => {
        const o = oracle(scope!);
        for (const d of DIMS) {
          const text = await get(token, `/api/v1/dimensions/${d}/values?${params({})}`);
          const values = JSON.parse(text).values.map((v: { value: string }) => v.value);
          const admin = JSON.parse(await get(ADMIN.token, `/api/v1/dimensions/${d}/values?${params(asFilters(scope!))}`));
          expect(values).toEqual(admin.values.map((v: { value: string }) => v.value));
          if (d !== 'api_key') expect([...values].sort()).toEqual([...new Set(o.events.map((e) => e[d]))].sort());
          else expect(values).toHaveLength(new Set(o.events.map((e) => e.api_key)).size);
          expectNoLeak(scope!, text);
        }
      });

      test('CSV export holds the rows inside the scope only', async () => {
        const o = oracle(scope!);
        for (const d of DIMS) {
          const path = `/api/v1/export?${params({})}&dimension=${d}&granularity=1h&limit=3&metrics=total_tokens,requests`;
          const csv = await get(token, path);
          const admin = await get(
            ADMIN.token,
            `/api/v1/export?${params(asFilters(scope!))}&dimension=${d}&granularity=1h&limit=3&metrics=total_tokens,requests`,
          );
          expect(csv).toEqual(admin);
          expectNoLeak(scope!, csv);
          const rows = csv
            .trim()
            .split('\n')
            .slice(1)
            .map((line) => line.split(','));
          expect(rows.reduce((n, r) => n + Number(r[r.length - 1]), 0)).toBe(o.requests);
        }
      });

      test('health counts the events inside the scope', async () => {
        const health = JSON.parse(await get(token, '/api/v1/health'));
        expect(health.events).toBe(EVENTS.filter((e) => inScope(scope!, e)).length);
      });

      test('/metrics shows only label sets inside the scope, with their counts', async () => {
        const text = await get(token, '/metrics');
        expectNoLeak(scope!, text);
        const samples = samplesOf(parsePrometheusText(text), 'tokenscope_requests_total');
        const live = EVENTS.filter((e) => e.timestamp >= NOW - 300_000 && inScope(scope!, e));
        expect(samples.reduce((n, s) => n + s.value, 0)).toBe(live.length);
        for (const service of new Set(live.map((e) => e.service))) {
          expect(samples.filter((s) => s.labels.service === service).reduce((n, s) => n + s.value, 0)).toBe(live.filter((e) => e.service === service).length);
        }
        expect(text).not.toContain('tokenscope_ingest_events_total');
        expect(text).not.toContain('process_cpu');
      });
    });

    test('a filter narrows a scope and never widens it: outside the scope there is nothing', async () => {
      const pattern = TOKENS.find((t) => t.name === 'pattern')!;
      const inside = { filters: { service: ['team-a-api', 'team-b-api'] } };
      const narrowed = await query(pattern.token, { type: 'ranking', dimension: 'service', metrics: ['total_tokens'], ...inside });
      expect(narrowed).toEqual(
        await query(ADMIN.token, { type: 'ranking', dimension: 'service', metrics: ['total_tokens'], filters: { service: ['team-a-api'] } }),
      );
      const away = { filters: { service: ['team-b-api'] } };
      const totals = await query(pattern.token, { type: 'totals', metrics: ['total_tokens', 'requests'], ...away });
      expect(totals.totals).toEqual({ total_tokens: 0, requests: 0 });
      const ranking = await query(pattern.token, { type: 'ranking', dimension: 'model', metrics: ['total_tokens'], ...away });
      expect(ranking.rows).toEqual([]);
      expect(ranking.other).toBeNull();
      const trend = await query(pattern.token, { type: 'trend', granularity: '1h', dimension: 'service', metrics: ['requests'], ...away });
      expect(trend.series.flatMap((s: any) => s.values).every((v: number) => v === 0)).toBe(true);
      expect(JSON.parse(await get(pattern.token, `/api/v1/dimensions/service/values?${params({ service: ['team-b-api'] })}`)).values).toEqual([]);
      const csv = await get(pattern.token, `/api/v1/export?${params({ service: ['team-b-api'] })}&dimension=service&granularity=1h`);
      expect(csv.trim().split('\n')).toHaveLength(1);
      // A filter on another dimension narrows inside the scope too.
      const model = await query(pattern.token, { type: 'totals', metrics: ['requests'], filters: { model: ['glm-5'] } });
      expect(model.totals.requests).toBe(oracle(pattern.scope!, { model: ['glm-5'] }).requests);
    });

    test('an ingest token writes only inside its scope: its pinned service fills a missing one, the rest of the batch is kept', async () => {
      const at = NOW - 2 * 86_400_000;
      const batch = [
        { timestamp: at, model: 'glm-5', input_tokens: 7, output_tokens: 1 },
        { timestamp: at, service: 'team-a-batch', model: 'glm-5', input_tokens: 5, output_tokens: 1 },
        { timestamp: at, service: 'team-b-api', model: 'glm-5', input_tokens: 3, output_tokens: 1 },
      ];
      const res = await server.json('POST', '/api/v1/usage', batch, as(GATEWAY.token));
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(2);
      expect(res.body.rejected).toEqual([{ index: 2, error: "service: 'team-b-api' is outside the scope of token 'team-a-gateway' (service in [team-a-*])" }]);
      expect(JSON.stringify(res.body)).not.toContain(GATEWAY.token);
      const range = { from: at, to: at + 1 };
      const stored = await query(ADMIN.token, { type: 'ranking', dimension: 'service', metrics: ['input_tokens'], ...range });
      expect(stored.rows.map((r: any) => [r.key, r.metrics.input_tokens])).toEqual([
        ['team-a-api', 7],
        ['team-a-batch', 5],
      ]);
    });
  });
}
