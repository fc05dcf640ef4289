/**
 * Retention on both engines, with the store's clock moved forward: answers before and after, a range older
 * than raw retention answered exactly at the finest tier kept (and saying so), a resend after expiry refused,
 * resends within retention still recognised, and the space given back (DuckDB blocks freed, ClickHouse
 * partitions gone from system.parts).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/server/config';
import { createLogger } from '../../src/server/logger';
import { startServer, type RunningServer } from '../../src/server/main';
import { parseClickHouseUrl } from '../../src/server/storage/clickhouse/clickhouse-url';
import type { Store, StoredEvent } from '../../src/server/storage/engine';
import { openClickHouseStore } from '../../src/server/storage/clickhouse/clickhouse-store';
import { openDuckDBStore } from '../../src/server/storage/duckdb/duckdb-store';
import { clickhouseProgram, startClickHouse, type ClickHouseTestCluster } from '../support/clickhouse-server';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ENV = {
  TOKENSCOPE_RAW_RETENTION: '7d',
  TOKENSCOPE_RETENTION_1M: '7d',
  TOKENSCOPE_RETENTION_15M: '30d',
  TOKENSCOPE_RETENTION_1H: '90d',
  TOKENSCOPE_RETENTION_1D: '365d',
};
const START = Date.UTC(2026, 5, 30, 12);
const A = Date.UTC(2026, 5, 28, 10, 17, 30);

function event(ts: number, id: string | null, input: number): Record<string, unknown> {
  return {
    timestamp: new Date(ts).toISOString(),
    service: 'svc',
    model: 'm1',
    api_key: 'team-a',
    input_tokens: input,
    output_tokens: 0,
    ...(id ? { id } : {}),
  };
}

function storedEvent(ts: number, i: number): StoredEvent {
  return {
    ts,
    service: `svc-${i % 7}`,
    model: `model-${i % 5}`,
    modelType: 'chat',
    apiKey: `key-${i % 50}`,
    apiKeyLabel: `key-${i % 50}`,
    inputTokens: i % 1000,
    outputTokens: i % 300,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    durationMs: i % 900,
    id: `bulk-${i}`,
    traceId: null,
    spanId: null,
  };
}

interface Engine {
  name: string;
  skipReason: string;
  setUp(): Promise<{ store: string; db: string; cleanUp(): Promise<void> }>;
  /** What holds the data from before START + 30 days; only shrinks when retention gives space back. */
  footprint(setting: { store: string; db: string }): Promise<number>;
}

let cluster: ClickHouseTestCluster | null = null;
let twoShards: ClickHouseTestCluster | null = null;

/** Partitions holding data from before START + 30 days, on every node of `servers` (the sum). */
async function oldPartitions(store: string, servers: ClickHouseTestCluster): Promise<number> {
  const location = parseClickHouseUrl(store);
  let total = 0;
  for (const server of servers.servers) {
    const text = await server.sql(
      `SELECT uniqExact(table, partition) FROM system.parts WHERE database = '${location.database}' AND active AND table != 'tokenscope_meta' AND (toInt64OrZero(partition) + 1) * ${30 * DAY} <= ${START + 30 * DAY}`,
    );
    total += Number(text.trim());
  }
  return total;
}

const engines: Engine[] = [
  {
    name: 'duckdb',
    skipReason: '',
    async setUp() {
      const dir = mkdtempSync(join(tmpdir(), 'tokenscope-retention-'));
      return { store: 'duckdb', db: join(dir, 'r.duckdb'), cleanUp: async () => rmSync(dir, { recursive: true, force: true }) };
    },
    async footprint({ db }) {
      // Blocks in use; DuckDB reuses freed blocks for new rows rather than shrinking the file.
      const instance = await DuckDBInstance.create(db);
      const conn = await instance.connect();
      const [row] = (await conn.runAndReadAll('PRAGMA database_size')).getRowObjectsJS();
      conn.closeSync();
      instance.closeSync();
      return Number(row.used_blocks);
    },
  },
  {
    name: 'clickhouse',
    skipReason: clickhouseProgram.skipReason,
    async setUp() {
      cluster ??= await startClickHouse(1);
      const db = `retention_${Math.floor(Math.random() * 1e9)}`;
      return { store: cluster.storeUrl(db), db, cleanUp: async () => {} };
    },
    footprint: ({ store }) => oldPartitions(store, cluster!),
  },
  {
    name: 'clickhouse-cluster',
    skipReason: clickhouseProgram.skipReason,
    async setUp() {
      twoShards ??= await startClickHouse(2);
      const db = `retention_${Math.floor(Math.random() * 1e9)}`;
      return { store: twoShards.storeUrl(db), db, cleanUp: async () => {} };
    },
    footprint: ({ store }) => oldPartitions(store, twoShards!),
  },
];

afterAll(async () => {
  await cluster?.stop();
  await twoShards?.stop();
});

for (const engine of engines) {
  describe.skipIf(engine.skipReason !== '')(`retention on ${engine.name}${engine.skipReason}`, () => {
    let setting: { store: string; db: string; cleanUp(): Promise<void> };
    let now = START;
    let store: Store;
    let server: RunningServer;
    const config = () =>
      loadConfig({ ...ENV }, { TOKENSCOPE_PORT: 0, TOKENSCOPE_STORE: setting.store, TOKENSCOPE_DB: setting.db, TOKENSCOPE_LOG_LEVEL: 'silent' });

    const open = async () => {
      const c = config();
      const logger = createLogger('silent');
      store =
        c.store === 'duckdb'
          ? await openDuckDBStore({ path: c.db, logger, retention: c.retention, now: () => now })
          : await openClickHouseStore({ location: parseClickHouseUrl(c.store), logger, retention: c.retention, now: () => now });
      server = await startServer(c, logger, store);
    };
    const send = async (events: Record<string, unknown>[]) => {
      const res = await fetch(`${server.url}/api/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
      return { status: res.status, body: (await res.json()) as { accepted: number; duplicates: number; rejected: { index: number; error: string }[] } };
    };
    const query = async (q: Record<string, unknown>) => {
      const res = await fetch(`${server.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(q) });
      expect(res.status).toBe(200);
      return (await res.json()) as {
        totals?: { input_tokens: number };
        coarse?: { exactFrom: number; slotMs: number; keptFrom: number | null };
        series?: { values: number[] }[];
      };
    };
    const totalsBetween = (from: number, to: number) => query({ type: 'totals', from, to, metrics: ['input_tokens'] });

    beforeAll(async () => {
      setting = await engine.setUp();
      await open();
    }, 120_000);

    afterAll(async () => {
      await server?.close();
      await setting?.cleanUp();
    });

    test('a range is exact to the millisecond while raw events are kept, and at the hour once only hours are', async () => {
      const sent = await send([event(A, 'a', 100), event(A + 20 * 60_000, 'b', 10), event(A + 3 * HOUR, 'c', 1)]);
      expect(sent.body.accepted).toBe(3);
      const from = Date.UTC(2026, 5, 28, 10, 20);
      const to = Date.UTC(2026, 5, 28, 14);
      const before = await totalsBetween(from, to);
      expect(before.totals!.input_tokens).toBe(11);
      expect(before.coarse).toBeUndefined();

      now = START + 40 * DAY; // raw, minute and 15-minute slots of June 28 are past retention; hours are kept
      await store.applyRetention!();
      const after = await totalsBetween(from, to);
      // 10:20 moved back to 10:00, the start of the hour it falls in: the event at 10:17:30 is now inside.
      expect(after.totals!.input_tokens).toBe(111);
      expect(after.coarse).toEqual({ exactFrom: store.heldFrom!().raw, slotMs: HOUR, keptFrom: null });
      // An hourly trend needs no moving: exact, and says nothing.
      const trend = await query({
        type: 'trend',
        from: Date.UTC(2026, 5, 28),
        to: Date.UTC(2026, 5, 29),
        granularity: '1h',
        metrics: ['input_tokens'],
        timezone: 'UTC',
      });
      expect(trend.series![0].values[10]).toBe(110);
      expect(trend.series![0].values[13]).toBe(1);
      expect(trend.coarse).toBeUndefined();
    });

    test('a resend after expiry is refused, naming the field; within raw retention resends are still recognised', async () => {
      const resent = await send([event(A, 'a', 100)]);
      expect(resent.status).toBe(400);
      expect(resent.body.rejected[0].error).toMatch(/^timestamp: .*older than raw retention keeps/);
      const recent = now - HOUR;
      const first = await send([event(recent, 'fresh', 5), event(A, 'a', 100)]);
      expect(first.body).toMatchObject({ accepted: 1, duplicates: 0 });
      const again = await send([event(recent, 'fresh', 5)]);
      expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
      // The daily tier still holds June 28, whose raw events are gone: the earliest raw event kept is the fresh one.
      const calls = (await query({ type: 'calls', from: recent - HOUR, to: now, filters: { service: ['svc'] }, limit: 5 })) as { rawEventsFrom?: number };
      expect(calls.rawEventsFrom).toBe(recent);
      expect(await store.eventCount()).toBe(4);
      const totals = await totalsBetween(Date.UTC(2026, 5, 28), now);
      expect(totals.totals!.input_tokens).toBe(116);
    });

    test('data older than every tier is gone and the answer says from when data is kept', async () => {
      now = START + 400 * DAY;
      await store.applyRetention!();
      const old = await totalsBetween(Date.UTC(2026, 5, 1), Date.UTC(2026, 6, 1));
      expect(old.totals!.input_tokens).toBe(0);
      expect(old.coarse?.keptFrom).toBe(store.heldFrom!()['1d']);
    });

    test('dropping old data gives the space back', async () => {
      await server.close();
      now = START;
      await open();
      const events = Array.from({ length: 60_000 }, (_, i) => storedEvent(START - 6 * DAY + i * 7_000, i));
      for (let i = 0; i < events.length; i += 20_000) await store.ingest(events.slice(i, i + 20_000));
      await server.close();
      const full = await engine.footprint(setting);
      now = START + 400 * DAY;
      await open();
      await store.applyRetention!();
      await server.close();
      const after = await engine.footprint(setting);
      expect(after).toBeLessThan(full / 2);
      await open();
    }, 120_000);
  });
}

test('retention settings: tiers follow raw retention, and one shorter than the tier below is refused by name', () => {
  const base = { TOKENSCOPE_LOG_LEVEL: 'silent' };
  expect(loadConfig(base).retention).toEqual({ raw: null, '1m': null, '5m': null, '15m': null, '1h': null, '1d': null });
  expect(loadConfig({ ...base, TOKENSCOPE_RAW_RETENTION: '30d' }).retention).toEqual({
    raw: 30 * DAY,
    '1m': 30 * DAY,
    '5m': 30 * DAY,
    '15m': 90 * DAY,
    '1h': 400 * DAY,
    '1d': null,
  });
  // The 5-minute tier is kept exactly as long as the minute tier, however that is set.
  expect(loadConfig({ ...base, TOKENSCOPE_RAW_RETENTION: '30d', TOKENSCOPE_RETENTION_1M: '45d' }).retention).toMatchObject({
    '1m': 45 * DAY,
    '5m': 45 * DAY,
    '15m': 90 * DAY,
  });
  expect(() => loadConfig({ ...base, TOKENSCOPE_RAW_RETENTION: '30d', TOKENSCOPE_RETENTION_15M: '10d' })).toThrow(
    /TOKENSCOPE_RETENTION_15M must be at least TOKENSCOPE_RETENTION_1M/,
  );
  expect(() => loadConfig({ ...base, TOKENSCOPE_RAW_RETENTION: 'a month' })).toThrow(/TOKENSCOPE_RAW_RETENTION: 'a month' is not a retention/);
  expect(() => loadConfig({ ...base, TOKENSCOPE_RAW_RETENTION: '1d' })).toThrow(/TOKENSCOPE_RAW_RETENTION must be at least 2d/);
});
