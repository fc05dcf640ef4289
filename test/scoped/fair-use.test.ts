/**
 * Fair use: a token flooding the server gets 429 with Retry-After while another token's queries keep being
 * answered (their latency printed beside a baseline from the same run, not asserted); a bytes-per-second limit;
 * and query cost limits stopping a read with a clear 422 on ClickHouse (DuckDB's watchdog has its own test).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { clickhouseProgram, startClickHouse } from '../support/clickhouse-server';
import { startTestServer, type TestServer } from '../support/test-server';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-fair-'));
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
const T = {
  flood: 'flood-token-000000000000000000',
  steady: 'steady-token-00000000000000000',
  bulky: 'bulky-token-000000000000000000',
  gateway: 'gateway-token-0000000000000000',
};
const file = join(dir, 'tokens.yaml');
writeFileSync(
  file,
  `tokens:
  - { name: flood, sha256: ${sha256(T.flood)}, roles: [read], limits: { requests_per_second: 20 } }
  - { name: steady, sha256: ${sha256(T.steady)}, roles: [read] }
  - { name: bulky, sha256: ${sha256(T.bulky)}, roles: [ingest], limits: { bytes_per_second: 1000 } }
  - { name: gateway, sha256: ${sha256(T.gateway)}, roles: [ingest] }
`,
);

const NOW = Date.now();
const events = (n: number, service: string) =>
  Array.from({ length: n }, (_, i) => ({ timestamp: NOW - 1000 - i * 997, service, model: `m-${i % 7}`, input_tokens: 10 + i, output_tokens: 1 }));
const percentile = (ms: number[], p: number) => [...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(1);

async function start(overrides: Record<string, string | number> = {}): Promise<TestServer> {
  const server = await startTestServer({ TOKENSCOPE_TOKENS_FILE: file, TOKENSCOPE_HOST: '127.0.0.1', TOKENSCOPE_MAX_BODY_BYTES: 16384, ...overrides });
  servers.push(server);
  return server;
}

test('a flooding token gets 429 with Retry-After; another token is answered all along', { timeout: 120_000 }, async () => {
  const server = await start();
  expect((await server.json('POST', '/api/v1/usage', events(100, 'svc'), { authorization: `Bearer ${T.gateway}` })).status).toBe(200);
  const body = JSON.stringify({ type: 'ranking', dimension: 'model', from: NOW - 3_600_000, to: NOW });
  const ask = async (token: string) => {
    const started = performance.now();
    const res = await fetch(`${server.url}/api/v1/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text(), ms: performance.now() - started };
  };
  const steadyRun = async (n: number) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await ask(T.steady));
    return out;
  };

  const baseline = await steadyRun(30);
  let flooding = true;
  const flood: Awaited<ReturnType<typeof ask>>[] = [];
  const floodClients = Array.from({ length: 8 }, async () => {
    while (flooding) flood.push(await ask(T.flood));
  });
  const during = await steadyRun(30);
  flooding = false;
  await Promise.all(floodClients);

  expect([...baseline, ...during].every((r) => r.status === 200)).toBe(true);
  const refused = flood.filter((r) => r.status === 429);
  expect(refused.length).toBeGreaterThan(0);
  expect(flood.every((r) => r.status === 200 || r.status === 429)).toBe(true);
  for (const r of refused) {
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(r.text).error).toMatchObject({ code: 'rate_limited' });
    expect(JSON.parse(r.text).error.message).toMatch(
      /^token 'flood' is over its limit of 20 requests per second; retry after \d+ s \(requests_per_second in the tokens file/,
    );
    expect(r.text).not.toContain(T.flood);
  }
  const ms = (list: { ms: number }[]) => list.map((r) => r.ms);
  console.log(
    `fair use: flood token ${flood.length} requests (${refused.length} refused with 429); steady token query latency p50/p99 ` +
      `${percentile(ms(baseline), 0.5)}/${percentile(ms(baseline), 0.99)} ms alone, ${percentile(ms(during), 0.5)}/${percentile(ms(during), 0.99)} ms during the flood`,
  );
});

test('a bytes-per-second limit refuses bodies past it; another ingest token is not slowed', { timeout: 60_000 }, async () => {
  const server = await start();
  // About 6 kB per body: the bucket (at least one body limit, 16 kB) empties after two, and refills 1 kB/s.
  const batch = events(60, 'bulk');
  const size = Buffer.byteLength(JSON.stringify(batch));
  expect(size).toBeGreaterThan(5000);
  expect(size).toBeLessThan(16384);
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${server.url}/api/v1/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${T.bulky}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    statuses.push(res.status);
    if (res.status === 429) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await res.json()).error.message).toMatch(/token 'bulky' is over its limit of 1000 bytes per second/);
    } else await res.arrayBuffer();
  }
  expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  for (let i = 0; i < 5; i++) expect((await server.json('POST', '/api/v1/usage', batch, { authorization: `Bearer ${T.gateway}` })).status).toBe(200);
});

describe.skipIf(!clickhouseProgram.path)(`query cost limits on ClickHouse${clickhouseProgram.skipReason}`, () => {
  test('a query reading more rows than TOKENSCOPE_QUERY_MAX_ROWS is stopped with a 422 that says what to narrow', { timeout: 120_000 }, async () => {
    const cluster = await startClickHouse(1);
    try {
      const server = await start({ TOKENSCOPE_STORE: cluster.storeUrl('fair_use'), TOKENSCOPE_QUERY_MAX_ROWS: 50, TOKENSCOPE_MAX_BODY_BYTES: 1_048_576 });
      expect((await server.json('POST', '/api/v1/usage', events(200, 'svc'), { authorization: `Bearer ${T.gateway}` })).status).toBe(200);
      // Odd millisecond ends: the ragged edges are read from raw events, far more than 50 rows.
      const res = await server.json('POST', '/api/v1/query', { type: 'totals', from: NOW - 300_001, to: NOW - 1 }, { authorization: `Bearer ${T.steady}` });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('query_too_costly');
      expect(res.body.error.message).toMatch(/the query would read .*rows, more than the limit of 50 \(TOKENSCOPE_QUERY_MAX_ROWS\); shorten the time range/);
      // The store is fine (ClickHouse estimates by granules of 8,192 rows, so with a limit of 50 every read is refused;
      // the event count is not a query and is answered).
      const health = await server.json('GET', '/api/v1/health', undefined, { authorization: `Bearer ${T.steady}` });
      expect(health.status).toBe(200);
      expect(health.body.events).toBe(200);
    } finally {
      await cluster.stop();
    }
  });
});
