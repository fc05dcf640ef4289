/**
 * Security: bearer tokens and raw-looking API keys never reach the logs, the stored data, /metrics or any
 * answer; filter values cannot change a query's meaning on any engine; idle and slow requests are cut off;
 * CORS is off unless one origin is configured. (The route × token matrix is test/api/auth.test.ts.)
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selectedEngines } from '../conformance/conformance-engines';
import { spawnServer, type ServerProcess } from '../support/server-process';
import { startTestServer, type TestServer } from '../support/test-server';
import { SECRET_KEY, makeEvents, ndjson, type ClientEvent } from '../support/usage-events';

const H = 3_600_000;
const INGEST = 'ingest-secret-token-9f8e7d6c5b4a';
const READ = 'read-secret-token-1a2b3c4d5e6f7a';
const SCRAPE = 'scrape-secret-token-77aa88bb99cc';
/** One character off a real token: refused, and never written down either. */
const NEAR_MISS = 'ingest-secret-token-9f8e7d6c5b4b';
const RAW_KEYS = [
  SECRET_KEY,
  'Bearer sk-proj-Zx81kQ0pLm2nBv5cXr7tYu9wQe3R',
  'rk_live_51HxYz2eZvKYlo2C8aBcDeFgHiJ',
  'AKIAIOSFODNN7EXAMPLEwJalrXUtnFEMI9K7MDENG',
  '3f9a8c7b6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a',
];
/** A plain key name, stored as it is: proves the checks below look where the data is. */
const CANARY = 'team-visible-canary';

/** What must never be found: each secret whole, and a slice of its middle (masked labels keep only the end). */
const FORBIDDEN = [INGEST, READ, SCRAPE, NEAR_MISS, ...RAW_KEYS.map((k) => k.replace(/^Bearer /, ''))].flatMap((s) => [s, s.slice(6, 18)]);
const leaksIn = (text: string) => FORBIDDEN.filter((s) => text.includes(s));

describe('secrets never leak: logs, answers, /metrics, stored data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-secrets-'));
  const db = join(dir, 'data', 'tokenscope.duckdb');
  let server: ServerProcess;
  const answers: string[] = [];
  afterAll(async () => {
    await server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (path: string, token: string | null, init: RequestInit = {}, authorization = token ? `Bearer ${token}` : undefined) => {
    const res = await fetch(server.url + path, { ...init, headers: { ...(init.headers as object), ...(authorization ? { authorization } : {}) } });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, text };
  };
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    // The most verbose log level: nothing may leak even there.
    server = await spawnServer(['--db', db], {
      TOKENSCOPE_INGEST_TOKENS: INGEST,
      TOKENSCOPE_READ_TOKENS: READ,
      TOKENSCOPE_METRICS_TOKENS: SCRAPE,
      TOKENSCOPE_HOST: '127.0.0.1',
      TOKENSCOPE_LOG_LEVEL: 'trace',
    });
    const now = Date.now();
    const events: ClientEvent[] = makeEvents(300, now - 2 * H, 2 * H - 1000, 77, 'secret').map((e, i) => ({
      ...e,
      api_key: [...RAW_KEYS, CANARY][i % (RAW_KEYS.length + 1)],
    }));

    expect((await call('/api/v1/usage', INGEST, json(events))).status).toBe(200);
    // Rejected events that carry a raw key: the rejection names the field, never the key.
    const rejected = await call('/api/v1/usage', INGEST, json(RAW_KEYS.map((k) => ({ ...events[0], api_key: `${k}\u0000`, id: undefined }))));
    expect(JSON.parse(rejected.text).rejected).toHaveLength(RAW_KEYS.length);
    // Refused callers, in every way a token can be offered.
    expect((await call('/api/v1/usage', NEAR_MISS, json(events))).status).toBe(401);
    expect((await call('/api/v1/usage', READ, json(events))).status).toBe(403);
    expect((await call('/api/v1/query', SCRAPE, json({ type: 'totals', from: 0, to: now }))).status).toBe(403);
    expect((await call(`/api/v1/health?token=${INGEST}`, null)).status).toBe(401);
    expect((await call('/api/v1/health', null, {}, `Basic ${Buffer.from(`user:${READ}`).toString('base64')}`)).status).toBe(401);
    expect((await call('/api/v1/health', null, {}, `Bearer ${NEAR_MISS} ${READ}`)).status).toBe(401);
    // Raw keys pasted into filters, in bodies and in URLs; a key in a path; a key where a metric goes.
    for (const key of RAW_KEYS) {
      const q = encodeURIComponent(key);
      const totals = await call(
        '/api/v1/query',
        READ,
        json({ type: 'totals', from: now - 3 * H, to: now, metrics: ['requests'], filters: { api_key: [key] } }),
      );
      expect(JSON.parse(totals.text).totals.requests).toBeGreaterThan(0);
      expect((await call(`/api/v1/dimensions/model/values?from=${now - 3 * H}&to=${now}&api_key=${q}`, READ)).status).toBe(200);
      expect((await call(`/api/v1/export?from=${now - 3 * H}&to=${now}&dimension=api_key&api_key=${q}`, READ)).status).toBe(200);
      expect((await call(`/api/v1/keys/${q}`, READ)).status).toBe(404);
      expect((await call(`/api/v1/dimensions/${q}/values`, READ)).status).toBe(400);
      expect(
        (
          await call(
            '/api/v1/query',
            READ,
            json({ type: 'ranking', from: now - 3 * H, to: now, dimension: 'api_key', filters: { api_key: [key.padEnd(600, '!')] } }),
          )
        ).status,
      ).toBe(400);
    }
    const ranking = await call('/api/v1/query', READ, json({ type: 'ranking', from: now - 3 * H, to: now, dimension: 'api_key', limit: 100 }));
    expect(JSON.parse(ranking.text).rows.map((r: { label: string }) => r.label)).toContain(CANARY);
  });

  test('no answer, error or CSV carries a token or a raw key', () => {
    expect(answers.length).toBeGreaterThan(35);
    expect(answers.filter((a) => leaksIn(a).length).map((a) => a.slice(0, 200))).toEqual([]);
  });

  test('/metrics carries none, and names keys by their stored ids', async () => {
    const text = (await call('/metrics', SCRAPE)).text;
    expect(text).toContain(`api_key="${CANARY}"`);
    expect(leaksIn(text)).toEqual([]);
  });

  test('the logs, at trace level, carry none', () => {
    const logs = server.output();
    expect(logs).toMatch(/"msg":"request"/);
    expect(logs).toContain('"status":401');
    expect(leaksIn(logs)).toEqual([]);
  });

  test('the data folder, after a checkpoint, carries none: not in its bytes, not in any stored value', async () => {
    await server.kill('SIGTERM'); // a clean stop checkpoints: everything is in the database file
    const files = (function walk(d: string): string[] {
      return readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
    })(join(dir, 'data'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(leaksIn(readFileSync(f).toString('latin1')), f).toEqual([]);

    const instance = await DuckDBInstance.create(db);
    const conn = await instance.connect();
    const tables = (await conn.runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'`))
      .getRowsJS()
      .map((r) => String(r[0]));
    let dump = '';
    for (const t of tables)
      dump += JSON.stringify((await conn.runAndReadAll(`SELECT * FROM "${t}"`)).getRowsJS(), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    conn.closeSync();
    instance.closeSync();
    expect(tables).toContain('events');
    expect(dump).toContain(CANARY);
    expect(leaksIn(dump)).toEqual([]);
  });
});

/** Filter values that try to escape their quotes, widen a match or smuggle a statement. */
const HOSTILE_VALUES = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "glm-5' OR 'a'='a",
  "glm-5'--",
  "glm-5\\' OR 1=1 --",
  'glm-5\\',
  "\\'",
  "') OR ('1'='1",
  '" OR ""="',
  'glm-5"; DROP TABLE events; --',
  "glm-5'); DROP TABLE events; --",
  '1) UNION ALL SELECT * FROM events --',
  "' || (SELECT 1) || '",
  '%',
  'glm%',
  '_lm-5',
  '.*',
  'glm-5\u0000',
  'glm-5\n',
  'glm-5 ',
  'GLM-5',
  'ｇｌｍ-5',
  '$1',
  '?',
  '{model}',
];

const engines = selectedEngines().filter((e) => e.name !== 'clickhouse-cluster');

for (const engine of engines) {
  describe.skipIf(engine.skipReason !== '')(`filter values cannot change a query's meaning on ${engine.name}${engine.skipReason}`, () => {
    let server: TestServer;
    let stopEngine = async () => {};
    const end = Math.floor(Date.now() / H) * H;
    const start = end - 24 * H;
    // Stored names that look like attacks are ordinary names: a filter finds exactly them.
    const odd = ["x'); DROP TABLE events; --", "O'Brien\\", '100%_done'];

    beforeAll(async () => {
      const started = await engine.start();
      stopEngine = started.stop;
      server = await startTestServer({ TOKENSCOPE_STORE: started.store });
      const events = makeEvents(1500, start, 24 * H, 31, 'inject').map((e, i) => (i % 10 === 0 ? { ...e, model: odd[i % 3], service: odd[(i + 1) % 3] } : e));
      const res = await server.json('POST', '/api/v1/usage', ndjson(events), { 'content-type': 'application/x-ndjson' });
      expect(res.body.accepted).toBe(events.length);
    }, 300_000);
    afterAll(async () => {
      await server?.stop();
      await stopEngine();
    });

    const range = () => ({ from: start, to: end });
    const shapes = (dimension: string, values: string[]) =>
      [
        ['POST', '/api/v1/query', { ...range(), type: 'totals', metrics: ['requests', 'total_tokens'], filters: { [dimension]: values } }],
        ['POST', '/api/v1/query', { ...range(), type: 'ranking', dimension: 'model', metrics: ['total_tokens'], filters: { [dimension]: values } }],
        ['POST', '/api/v1/query', { ...range(), type: 'trend', granularity: '1h', metrics: ['requests'], filters: { [dimension]: values } }],
        ['GET', `/api/v1/dimensions/service/values?from=${start}&to=${end}&filters=${encodeURIComponent(JSON.stringify({ [dimension]: values }))}`, undefined],
      ] as const;
    const answersFor = async (dimension: string, values: string[]) => {
      const out: unknown[] = [];
      for (const [method, path, body] of shapes(dimension, values)) {
        const res = await server.json(method, path, body);
        expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(200);
        out.push(res.body);
      }
      return out;
    };

    test.each(['service', 'model', 'api_key', 'model_type'])(
      'on %s: every hostile value answers exactly as an unknown value does, alone and beside a real one',
      async (dimension) => {
        const unknown = await answersFor(dimension, ['no-such-value']);
        const real = dimension === 'model' ? 'glm-5' : dimension === 'service' ? 'chat-prod' : dimension === 'api_key' ? 'team-search' : 'vision';
        const realOnly = await answersFor(dimension, [real]);
        expect((realOnly[0] as { totals: { requests: number } }).totals.requests).toBeGreaterThan(0);
        for (const value of HOSTILE_VALUES) {
          expect(await answersFor(dimension, [value]), JSON.stringify(value)).toEqual(unknown);
          expect(await answersFor(dimension, [real, value]), JSON.stringify(value)).toEqual(realOnly);
        }
      },
    );

    test('stored names that look like attacks are matched exactly, and only by themselves', async () => {
      for (const name of odd) {
        const got = await server.json('POST', '/api/v1/query', {
          ...range(),
          type: 'ranking',
          dimension: 'model',
          metrics: ['requests'],
          filters: { model: [name] },
        });
        expect(got.body.rows.map((r: { key: string }) => r.key)).toEqual([name]);
      }
      const prefix = await server.json('POST', '/api/v1/query', { ...range(), type: 'totals', metrics: ['requests'], filters: { model: ["x'"] } });
      expect(prefix.body.totals.requests).toBe(0);
    });
  });
}

describe('request limits and CORS', () => {
  let plain: TestServer;
  let withCors: TestServer;
  beforeAll(async () => {
    [plain, withCors] = await Promise.all([
      startTestServer({ TOKENSCOPE_REQUEST_TIMEOUT_MS: 1500, TOKENSCOPE_MAX_BODY_BYTES: 64 * 1024 }),
      startTestServer({ TOKENSCOPE_CORS_ORIGIN: 'https://grafana.example' }),
    ]);
  });
  afterAll(() => Promise.all([plain.stop(), withCors.stop()]));

  test('a connection that goes quiet halfway through its headers is answered 408 and closed', async () => {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(plain.url).port), '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
      socket.write('POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nContent-Ty');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"request_timeout"');
  });

  test('bodies over the limits are refused with 413: ingest past TOKENSCOPE_MAX_BODY_BYTES, a query past 1 MiB', async () => {
    const ingest = await plain.json('POST', '/api/v1/usage', 'x'.repeat(64 * 1024 + 1), { 'content-type': 'application/x-ndjson' });
    expect(ingest.status).toBe(413);
    const query = await plain.json('POST', '/api/v1/query', JSON.stringify({ type: 'totals', from: 0, to: 1, pad: 'x'.repeat(1024 * 1024) }));
    expect(query.status).toBe(413);
    expect(query.body.error.code).toBe('body_too_large');
  });

  test('CORS is off by default: no Access-Control-Allow-Origin for any origin, preflight included', async () => {
    const preflight = await fetch(`${plain.url}/api/v1/query`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${plain.url}/api/v1/health`, { headers: { origin: 'https://evil.example' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('with TOKENSCOPE_CORS_ORIGIN, that origin and only that one is allowed', async () => {
    const preflight = await fetch(`${withCors.url}/api/v1/query`, {
      method: 'OPTIONS',
      headers: { origin: 'https://grafana.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://grafana.example');
    for (const origin of ['https://evil.example', 'https://grafana.example.evil.example', 'null']) {
      const res = await fetch(`${withCors.url}/api/v1/health`, { headers: { origin } });
      expect([null, 'https://grafana.example']).toContain(res.headers.get('access-control-allow-origin'));
    }
  });
});
