/**
 * A DuckDB file written by layout 1 (before reasoning tokens and trace ids) opens in place: its events and rollups
 * keep their numbers, read 0 reasoning tokens, get their total tokens, still count for idempotency, and new events
 * carry the new fields.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 5, 1, 10);

/** The layout-1 tables as that version created them, with one event and its rollup rows. */
async function writeLayoutOneDatabase(path: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  const sums =
    'input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL, cache_write_tokens BIGINT NOT NULL, requests BIGINT NOT NULL, duration_ms BIGINT NOT NULL, timed_requests BIGINT NOT NULL';
  await conn.run(`CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`);
  await conn.run(`INSERT INTO meta VALUES ('schema_version', '1')`);
  await conn.run(
    `CREATE TABLE dims (id INTEGER PRIMARY KEY, service VARCHAR NOT NULL, model VARCHAR NOT NULL, model_type VARCHAR NOT NULL, api_key VARCHAR NOT NULL, api_key_label VARCHAR NOT NULL)`,
  );
  await conn.run(`INSERT INTO dims VALUES (1, 'chat', 'glm-5', 'text_generation', 'team-a', 'team-a')`);
  await conn.run(
    `CREATE TABLE events (ts BIGINT NOT NULL, dims_id INTEGER NOT NULL, input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL, cache_write_tokens BIGINT NOT NULL, duration_ms BIGINT, id VARCHAR)`,
  );
  await conn.run(`INSERT INTO events VALUES (${T0 + 1234}, 1, 1000, 200, 300, 0, 1500, 'old-1')`);
  for (const [tier, ms] of [
    ['1m', 60_000],
    ['15m', 900_000],
    ['1h', HOUR],
    ['1d', 24 * HOUR],
  ] as const) {
    await conn.run(`CREATE TABLE rollup_${tier} (slot BIGINT NOT NULL, dims_id INTEGER NOT NULL, ${sums})`);
    const slot = T0 + 1234 - ((T0 + 1234) % ms);
    await conn.run(`INSERT INTO rollup_${tier} VALUES (${slot}, 1, 1000, 200, 300, 0, 1, 1500, 1)`);
  }
  conn.closeSync();
  instance.closeSync();
}

describe('a layout-1 DuckDB database', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-layout1-'));
    const path = join(dir, 'old.duckdb');
    await writeLayoutOneDatabase(path);
    const prices = join(dir, 'prices.yaml');
    writeFileSync(prices, 'prices:\n  - model: glm-5\n    input: 2\n    output: 10\n    source: test\n    read: 2026-11-30\n');
    server = await startTestServer({ TOKENSCOPE_DB: path, TOKENSCOPE_PRICES: prices });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const totals = async (from: number, to: number) => {
    const res = await server.json('POST', '/api/v1/query', {
      type: 'totals',
      from,
      to,
      metrics: ['input_tokens', 'output_tokens', 'reasoning_tokens', 'requests'],
    });
    expect(res.status).toBe(200);
    return res.body.totals;
  };

  test('old rows keep their numbers and read 0 reasoning tokens, from the rollups and from raw events', async () => {
    // A whole day reads the daily rollup; a ragged range ends in raw events.
    expect(await totals(T0 - 10 * HOUR, T0 + 14 * HOUR)).toEqual({ input_tokens: 1000, output_tokens: 200, reasoning_tokens: 0, requests: 1 });
    expect(await totals(T0 + 1000, T0 + 2000)).toEqual({ input_tokens: 1000, output_tokens: 200, reasoning_tokens: 0, requests: 1 });
  });

  test('an old id is still a duplicate, and new events store reasoning tokens beside the old ones', async () => {
    const events = [
      { id: 'old-1', timestamp: T0 + 1234, service: 'chat', model: 'glm-5', api_key: 'team-a', input_tokens: 1000, output_tokens: 200 },
      {
        id: 'new-1',
        timestamp: T0 + 5000,
        service: 'chat',
        model: 'glm-5',
        api_key: 'team-a',
        input_tokens: 50,
        output_tokens: 40,
        reasoning_tokens: 25,
        trace_id: '0af7651916cd43dd8448eb211c80319c',
        span_id: 'b7ad6b7169203331',
      },
    ];
    const res = await server.json('POST', '/api/v1/usage', events);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(await totals(T0 + 1000, T0 + 6000)).toEqual({ input_tokens: 1050, output_tokens: 240, reasoning_tokens: 25, requests: 2 });
    expect(await totals(T0 - 10 * HOUR, T0 + 14 * HOUR)).toEqual({ input_tokens: 1050, output_tokens: 240, reasoning_tokens: 25, requests: 2 });
  });

  test('old rows were never priced: all their tokens read as unpriced (layout 3), new events carry their cost', async () => {
    const res = await server.json('POST', '/api/v1/query', { type: 'totals', from: T0 - 10 * HOUR, to: T0 + 14 * HOUR, metrics: ['cost', 'unpriced_tokens'] });
    // old-1: 1,000 + 200 tokens unpriced; new-1: 50 input × $2/1M + 40 output × $10/1M = $0.0001 + $0.0004.
    expect(res.body.totals).toEqual({ cost: 0.0005, unpriced_tokens: 1200 });
    const raw = await server.json('POST', '/api/v1/query', { type: 'totals', from: T0 + 1000, to: T0 + 6000, metrics: ['cost', 'unpriced_tokens'] });
    expect(raw.body.totals).toEqual({ cost: 0.0005, unpriced_tokens: 1200 });
  });

  test('old rows were given their total tokens (layout 5): the largest calls by total rank them among new ones', async () => {
    const res = await server.json('POST', '/api/v1/query', { type: 'calls', from: T0, to: T0 + HOUR, limit: 5 });
    expect(res.status).toBe(200);
    expect(res.body.calls.map((c: { id: string }) => c.id)).toEqual(['old-1', 'new-1']);
  });
});
