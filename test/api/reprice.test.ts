/**
 * `POST /api/v1/reprice` on DuckDB: usage stored under one price table, the table corrected, the server restarted
 * with it, and a range repriced. Costs inside the range follow the new table in every rollup tier and in raw
 * events, costs outside it and costs the source gave stay, and the answer says what changed. Prices by hand.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';

const H = 3_600_000;
const T0 = Date.UTC(2026, 5, 1);
const table = (glmInput: number, mystery: boolean) =>
  `prices:\n  - model: glm-5\n    input: ${glmInput}\n    output: 2\n    source: test\n    read: 2026-11-30\n` +
  (mystery ? '  - model: mystery-1\n    input: 10\n    output: 10\n    source: test\n    read: 2026-11-30\n' : '');

// One glm-5 call per hour for 48 hours (1,000 input, 100 output), a mystery-1 call at hour 5 and hour 30
// (500 + 50 tokens), and a glm-5 call with a cost of its own (0.5) at hour 6.
const EVENTS = [
  ...Array.from({ length: 48 }, (_, h) => ({
    id: `g${h}`,
    timestamp: T0 + h * H + 60_000,
    service: 'chat',
    model: 'glm-5',
    input_tokens: 1000,
    output_tokens: 100,
  })),
  { id: 'm5', timestamp: T0 + 5 * H + 1, service: 'chat', model: 'mystery-1', input_tokens: 500, output_tokens: 50 },
  { id: 'm30', timestamp: T0 + 30 * H + 1, service: 'chat', model: 'mystery-1', input_tokens: 500, output_tokens: 50 },
  { id: 'given', timestamp: T0 + 6 * H + 2, service: 'chat', model: 'glm-5', input_tokens: 1000, output_tokens: 100, cost: 0.5 },
];

describe('reprice', () => {
  let dir: string;
  let server: TestServer;
  const db = () => join(dir, 'reprice.duckdb');
  const start = async (prices: string) => {
    const file = join(dir, `prices-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, prices);
    return startTestServer({ TOKENSCOPE_DB: db(), TOKENSCOPE_PRICES: file });
  };
  const totals = async (from: number, to: number) =>
    (await server.json('POST', '/api/v1/query', { type: 'totals', from, to, metrics: ['cost', 'source_cost', 'unpriced_tokens', 'requests'] })).body.totals;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-reprice-'));
    server = await start(table(1, false));
    expect((await server.json('POST', '/api/v1/usage', EVENTS)).body).toMatchObject({ accepted: EVENTS.length });
    // Under the first table a glm-5 call costs 1,000 × 1 + 100 × 2 = 1,200 micro-units.
    expect(await totals(T0, T0 + 2 * 24 * H)).toEqual({ cost: 48 * 0.0012 + 0.5, source_cost: 0.5, unpriced_tokens: 1100, requests: 51 });
    await server.close();
    // The corrected table: glm-5 input at 3 (a glm-5 call now costs 3,200), and a price for mystery-1 (5,500).
    server = await start(table(3, true));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reprices the range, says what changed, and leaves the rest and the source-given cost alone', async () => {
    // From hour 3 (ragged: 10 minutes in) to hour 27: glm-5 calls of hours 4..26 (23) change, hour 3's call at
    // 3:01 is before 3:10 and stays; mystery-1 at hour 5 gets a price; the given cost at hour 6 stays.
    const from = T0 + 3 * H + 600_000;
    const to = T0 + 27 * H;
    const res = await server.json('POST', '/api/v1/reprice', { from, to });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from, to, currency: 'USD', events: 25, changed: 24, unpriced_tokens_before: 550, unpriced_tokens_after: 0 });
    expect(res.body.cost_before).toBeCloseTo(23 * 0.0012 + 0.5, 9);
    expect(res.body.cost_after).toBeCloseTo(23 * 0.0032 + 0.0055 + 0.5, 9);
    expect(res.body.groups).toEqual([
      {
        service: 'chat',
        model: 'glm-5',
        events: 24,
        changed: 23,
        cost_before: 23 * 0.0012 + 0.5,
        cost_after: 23 * 0.0032 + 0.5,
        unpriced_tokens_before: 0,
        unpriced_tokens_after: 0,
      },
      { service: 'chat', model: 'mystery-1', events: 1, changed: 1, cost_before: 0, cost_after: 0.0055, unpriced_tokens_before: 550, unpriced_tokens_after: 0 },
    ]);

    // Two days, read from the daily rollups: 25 glm-5 calls at the old price, 23 at the new, the given 0.5, the
    // repriced mystery call, and the one outside the range still unpriced.
    const micros = (v: number) => Math.round(v * 1e6);
    const whole = await totals(T0, T0 + 2 * 24 * H);
    expect(micros(whole.cost)).toBe(25 * 1200 + 23 * 3200 + 500_000 + 5500);
    expect(whole).toMatchObject({ source_cost: 0.5, unpriced_tokens: 550, requests: 51 });
    // Ragged ranges end in finer tiers and raw events: the same sums, call by call.
    expect(micros((await totals(T0 + 4 * H + 30_000, T0 + 4 * H + 90_000)).cost)).toBe(3200);
    expect(micros((await totals(T0 + 3 * H + 30_000, T0 + 3 * H + 90_000)).cost)).toBe(1200);
    expect(micros((await totals(T0 + 5 * H, T0 + 5 * H + 2)).cost)).toBe(5500);
    expect(micros((await totals(T0 + 6 * H + 2, T0 + 6 * H + 3)).cost)).toBe(500_000);
    expect(await totals(T0 + 30 * H, T0 + 30 * H + 2)).toMatchObject({ cost: 0, unpriced_tokens: 550 });
  });

  test('repricing again changes nothing', async () => {
    const res = await server.json('POST', '/api/v1/reprice', { from: T0, to: T0 + 2 * 24 * H });
    // Only what the first run left out changes now: glm-5 at hours 0..3 and 27..47 (4 + 21 calls) and mystery-1 at 30.
    expect(res.body).toMatchObject({ events: 51, changed: 26 });
    expect((await server.json('POST', '/api/v1/reprice', { from: T0, to: T0 + 2 * 24 * H })).body).toMatchObject({ events: 51, changed: 0, groups: [] });
  });

  test('a bad range is a 400 that names the field', async () => {
    const res = await server.json('POST', '/api/v1/reprice', { from: T0 + H, to: T0 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('to: must be after from');
    expect((await server.json('POST', '/api/v1/reprice', { to: T0 })).body.error.message).toContain('from: is required');
  });

  test('a token scoped to part of the usage may not reprice; an unscoped ingest token may, a read token not', async () => {
    const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
    const tokens = { scoped: 'scoped-ingest-token-0000000000', whole: 'whole-ingest-token-00000000000', reader: 'reader-token-000000000000000000' };
    const file = join(dir, 'tokens.yaml');
    writeFileSync(
      file,
      `tokens:
  - { name: team-a, sha256: ${sha256(tokens.scoped)}, roles: [ingest], scope: { service: [chat] } }
  - { name: gateway, sha256: ${sha256(tokens.whole)}, roles: [ingest] }
  - { name: viewer, sha256: ${sha256(tokens.reader)}, roles: [read] }
`,
    );
    await server.close();
    server = await startTestServer({ TOKENSCOPE_DB: db(), TOKENSCOPE_TOKENS_FILE: file, TOKENSCOPE_HOST: '127.0.0.1' });
    const reprice = (token: string) => server.json('POST', '/api/v1/reprice', { from: T0, to: T0 + H }, { authorization: `Bearer ${token}` });
    const scoped = await reprice(tokens.scoped);
    expect([scoped.status, scoped.body.error.message]).toEqual([403, 'repricing needs an ingest token without a scope']);
    expect((await reprice(tokens.reader)).status).toBe(403);
    expect(await reprice(tokens.whole)).toMatchObject({ status: 200, body: { events: 1 } });
  });
});
