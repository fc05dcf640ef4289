/**
 * The ClickHouse engine's own guarantees, on real servers: duplicates written by concurrent backends count
 * once, a stale rollup version is outvoted, rollups left behind by a crash are repaired at start, the schema
 * is created idempotently, a cluster spreads rows over its shards, and the password never reaches a log.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLICKHOUSE_TEST_USER, clickhouseProgram, startClickHouse, type ClickHouseTestCluster } from '../../../../test/support/clickhouse-server';
import { asStoredEvent, makeEvents, sumOf, timeOf } from '../../../../test/support/usage-events';
import { loadConfig } from '../../config';
import { createLogger } from '../../logger';
import { startServer } from '../../main';
import { bucketBoundaries } from '../../query/buckets';
import { planBuckets, planRange } from '../../query/plan';
import type { AggregateRow, Store, StoredEvent } from '../engine';
import { connectClickHouse, type ClickHouseConnection } from './clickhouse-client';
import { ROLLUP_TIERS } from './clickhouse-schema';
import { openClickHouseStore } from './clickhouse-store';
import { parseClickHouseUrl } from './clickhouse-url';
import { idKey, toRow } from './clickhouse-writer';

const DAY = 86_400_000;
const silent = createLogger('silent');
let cluster: ClickHouseTestCluster;
let dbCounter = 0;

const stored = asStoredEvent;

/** A fresh database on the test server, and a function that opens a store on it. */
function freshDatabase(c = () => cluster) {
  const db = `engine_test_${++dbCounter}`;
  return { db, open: (logger = silent) => openClickHouseStore({ location: parseClickHouseUrl(c().storeUrl(db)), logger }) };
}

const START = Date.UTC(2026, 1, 10);
const totalsOf = async (store: Store, from = START - DAY, to = START + 3 * DAY) =>
  (await store.aggregate({ pieces: planRange(from, to), filters: {} })).reduce((n, r) => n + r.sums.input_tokens + r.sums.output_tokens, 0);

describe.skipIf(!clickhouseProgram.path)(`ClickHouse engine${clickhouseProgram.skipReason}`, () => {
  beforeAll(async () => {
    cluster = await startClickHouse(1);
  });
  afterAll(() => cluster?.stop());

  test('two backends storing the same events at the same moment: every event counts once', async () => {
    const { db } = freshDatabase();
    // Neither backend may insert before both have looked for duplicates: both then see the shared ids as new.
    let arrived = 0;
    let release!: () => void;
    const bothLooked = new Promise<void>((r) => (release = r));
    const connect = (url: string): ClickHouseConnection => {
      const conn = connectClickHouse({ url, username: CLICKHOUSE_TEST_USER.name, password: CLICKHOUSE_TEST_USER.password });
      return {
        ...conn,
        async insert(table, rows, settings) {
          if (table.endsWith('`events`')) {
            if (++arrived === 2) release();
            await bothLooked;
          }
          return conn.insert(table, rows, settings);
        },
      };
    };
    const open = () => openClickHouseStore({ location: parseClickHouseUrl(cluster.storeUrl(db)), logger: silent, connect });
    const [a, b] = [await open(), await open()];
    const events = makeEvents(3000, START, 2 * DAY, 5).map(stored);
    const [ra, rb] = await Promise.all([a.ingest(events.slice(0, 2000)), b.ingest(events.slice(1000))]);
    expect([ra.accepted, rb.accepted]).toEqual([2000, 2000]);
    expect(Number(await cluster.servers[0].sql(`SELECT count() FROM ${db}.events`))).toBe(4000);

    const want = events.reduce((n, e) => n + e.inputTokens + e.outputTokens, 0);
    for (const store of [a, b]) {
      expect(await totalsOf(store)).toBe(want);
      // A ragged range reads raw events at its ends: those are deduplicated too.
      const from = START + 12_345;
      const to = START + DAY + 54_321;
      const inside = events.filter((e) => e.ts >= from && e.ts < to).reduce((n, e) => n + e.inputTokens + e.outputTokens, 0);
      expect(await totalsOf(store, from, to)).toBe(inside);
      expect(await store.eventCount()).toBe(events.length);
    }
    // The largest calls list each of the doubly stored events once, in the order a reader sorting by hand finds.
    const byTotal = [...events].sort((x, y) => y.inputTokens + y.outputTokens - (x.inputTokens + x.outputTokens) || x.ts - y.ts);
    const largest = await a.largestCalls({ from: START, to: START + 2 * DAY, filters: {}, orderBy: ['input_tokens', 'output_tokens'], limit: 1000 });
    expect(largest.calls.map((e) => e.id)).toEqual(byTotal.slice(0, 1000).map((e) => e.id));
    expect(largest.earliest).toBe(Math.min(...events.map((e) => e.ts)));
    // A range holding one event stored twice and, next in time, a smaller one stored once: the two copies are the
    // two largest raw rows, so the first candidates lack the second event, and the store must look further.
    const total = (e: StoredEvent) => e.inputTokens + e.outputTokens;
    const doubled = new Set(events.slice(1000, 2000));
    const byTime = [...events].sort((x, y) => x.ts - y.ts);
    const i = byTime.findIndex(
      (e, j) => doubled.has(e) && j + 1 < byTime.length && !doubled.has(byTime[j + 1]) && total(byTime[j + 1]) < total(e) && byTime[j + 1].ts > e.ts,
    );
    const [twice, once] = [byTime[i], byTime[i + 1]];
    const pair = await b.largestCalls({ from: twice.ts, to: once.ts + 1, filters: {}, orderBy: ['input_tokens', 'output_tokens'], limit: 2 });
    expect(pair.calls.map((e) => e.id)).toEqual([twice.id, once.id]);
    // Later resends are recognised as duplicates by either backend.
    expect(await b.ingest(events.slice(0, 10))).toMatchObject({ accepted: 0, duplicates: 10 });
    await Promise.all([a.close(), b.close()]);
  });

  test('tables written by layout 1 gain the reasoning and trace columns in place; old rows read 0', async () => {
    const { db, open } = freshDatabase();
    const sql = (statement: string) => cluster.servers[0].sql(statement);
    const sums =
      'input_tokens UInt64, output_tokens UInt64, cache_read_tokens UInt64, cache_write_tokens UInt64, requests UInt64, duration_ms UInt64, timed_requests UInt64';
    await sql(`CREATE DATABASE ${db}`);
    await sql(`CREATE TABLE ${db}.tokenscope_meta (key String, value String, written UInt64) ENGINE = ReplacingMergeTree(written) ORDER BY key`);
    await sql(`INSERT INTO ${db}.tokenscope_meta VALUES ('schema_version', '1', 1)`);
    await sql(
      `CREATE TABLE ${db}.events (ts Int64, event_key UInt64, id String, service String, model String, model_type String, api_key String, api_key_label String, input_tokens UInt64, output_tokens UInt64, cache_read_tokens UInt64, cache_write_tokens UInt64, duration_ms Int64) ENGINE = MergeTree PARTITION BY intDiv(ts, 2592000000) ORDER BY (ts, event_key)`,
    );
    await sql(`INSERT INTO ${db}.events VALUES (${START + 1000}, ${idKey('old-1')}, 'old-1', 'chat', 'glm-5', 'text_generation', 'k', 'k', 100, 10, 0, 0, -1)`);
    for (const [tier, ms] of [
      ['1m', 60_000],
      ['15m', 900_000],
      ['1h', 3_600_000],
      ['1d', DAY],
    ] as const) {
      await sql(
        `CREATE TABLE ${db}.rollup_${tier} (slot Int64, dims_key UInt64, service String, model String, model_type String, api_key String, api_key_label String, ${sums}, version UInt64) ENGINE = ReplacingMergeTree(version) PARTITION BY intDiv(slot, 2592000000) ORDER BY (slot, dims_key)`,
      );
      const slot = START + 1000 - ((START + 1000) % ms);
      await sql(
        `INSERT INTO ${db}.rollup_${tier} SELECT ${slot}, cityHash64('chat', 'glm-5', 'text_generation', 'k'), 'chat', 'glm-5', 'text_generation', 'k', 'k', 100, 10, 0, 0, 1, 0, 0, 1`,
      );
    }
    const store = await open();
    const fresh = {
      ...stored({
        timestamp: START + 5000,
        service: 'chat',
        model: 'glm-5',
        api_key: 'k',
        input_tokens: 50,
        output_tokens: 40,
        reasoning_tokens: 30,
        id: 'new-1',
      }),
    };
    expect(await store.ingest([fresh, { ...fresh, id: 'old-1', ts: START + 1000 }])).toMatchObject({ accepted: 1, duplicates: 1 });
    for (const [from, to] of [
      [START, START + DAY],
      [START + 500, START + 6000],
    ]) {
      const rows = await store.aggregate({ pieces: planRange(from, to), filters: {} });
      const sum = (k: 'input_tokens' | 'reasoning_tokens' | 'requests' | 'unpriced_tokens') => rows.reduce((n, r) => n + r.sums[k], 0);
      expect([sum('input_tokens'), sum('reasoning_tokens'), sum('requests')]).toEqual([150, 30, 2]);
      // Layout 3: the old row was never priced, so its 110 tokens read as unpriced; so do the 90 of the new one,
      // which this test stores without a cost.
      expect(sum('unpriced_tokens')).toBe(200);
    }
    await store.close();
  });

  test('a rollup row recomputed from a stale view (a lower version) is outvoted', async () => {
    const { db, open } = freshDatabase();
    const store = await open();
    const events = makeEvents(200, START, DAY, 6).map(stored);
    await store.ingest(events);
    const want = await totalsOf(store);
    // What a backend that saw only part of a slot would write: smaller sums, smaller version.
    for (const { id: tier } of ROLLUP_TIERS) {
      await cluster.servers[0].sql(
        `INSERT INTO ${db}.rollup_${tier} (slot, dims_key, service, model, model_type, api_key, api_key_label, input_tokens, output_tokens, requests, version)
         SELECT slot, dims_key, service, model, model_type, api_key, api_key_label, 1, 1, 1, 0 FROM ${db}.rollup_${tier}`,
      );
    }
    expect(await totalsOf(store)).toBe(want);
    expect(await store.eventCount()).toBe(200);
    await store.close();
  });

  test('events stored without their rollups (a crash between the two) are repaired at the next start', async () => {
    const { db, open } = freshDatabase();
    const first = await open();
    const events = makeEvents(300, START, DAY, 7).map(stored);
    await first.ingest(events.slice(0, 200));
    await first.close();
    // Straight into the raw table, as if the backend died before recomputing the slots.
    const raw = events.slice(200).map((e, i) => JSON.stringify(toRow(e, String(1e15 + i))));
    await cluster.servers[0].sql(`INSERT INTO ${db}.events FORMAT JSONEachRow\n${raw.join('\n')}`);
    const lines: string[] = [];
    const logger = createLogger('warn', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const second = await openClickHouseStore({ location: parseClickHouseUrl(cluster.storeUrl(db)), logger, repairWindowMs: Date.now() - START + 2 * DAY });
    expect(await totalsOf(second)).toBe(events.reduce((n, e) => n + e.inputTokens + e.outputTokens, 0));
    expect(await second.eventCount()).toBe(300);
    expect(lines.join('')).toMatch(/rollup slots were behind their events/);
    await second.close();
  });

  test('a resend heals rollups whose refresh was cut short', async () => {
    const { db, open } = freshDatabase();
    const store = await open();
    const events = makeEvents(50, START, DAY, 8).map(stored);
    await store.ingest(events);
    // Lose every rollup row: what a crash right after the raw insert leaves.
    for (const { id: tier } of ROLLUP_TIERS) await cluster.servers[0].sql(`TRUNCATE TABLE ${db}.rollup_${tier}`);
    expect(await totalsOf(store)).toBe(0);
    const again = await store.ingest(events);
    expect(again).toMatchObject({ accepted: 0, duplicates: 50 });
    expect(await totalsOf(store)).toBe(events.reduce((n, e) => n + e.inputTokens + e.outputTokens, 0));
    await store.close();
  });

  test('the schema is created once, whether backends start one after another or together', async () => {
    const { db, open } = freshDatabase();
    const stores = await Promise.all([open(), open(), open()]);
    await Promise.all(stores.map((s) => s.close()));
    const again = await open();
    await again.ingest(makeEvents(10, START, DAY, 9).map(stored));
    expect(await again.eventCount()).toBe(10);
    await again.close();
    const tables = await cluster.servers[0].sql(`SELECT name FROM system.tables WHERE database = '${db}' ORDER BY name`);
    expect(tables.trim().split('\n')).toEqual(['events', 'rollup_15m', 'rollup_1d', 'rollup_1h', 'rollup_1m', 'rollup_5m', 'tokenscope_meta']);
  });

  test('a layout-3 database is given the 5-minute tier, filled from the minute tier with the rows and versions a refresh writes', async () => {
    const { db, open } = freshDatabase();
    const sql = (statement: string) => cluster.servers[0].sql(statement);
    const fiveMinuteRows = () =>
      sql(
        `SELECT slot, dims_key, argMax(input_tokens, version), argMax(output_tokens, version), argMax(requests, version), max(version) FROM ${db}.rollup_5m GROUP BY slot, dims_key ORDER BY slot, dims_key`,
      );
    const events = makeEvents(2000, START + 7_000, 2 * DAY, 12);
    const first = await open();
    await first.ingest(events.map(stored));
    const from = START + 17_123;
    const to = START + 2 * DAY - 41_000;
    const pieces = planBuckets(from, to, bucketBoundaries(from, to, '5m', 'UTC'));
    expect(pieces.some((p) => p.tier === '5m')).toBe(true);
    const byBucket = (rows: AggregateRow[]) => [...rows].sort((a, b) => a.bucket - b.bucket || String(a.key).localeCompare(String(b.key)));
    const request = { pieces, filters: {}, groupBy: 'model' as const };
    const before = byBucket(await first.aggregate(request));
    await first.close();
    const written = await fiveMinuteRows();
    expect(written.trim().split('\n').length).toBeGreaterThan(500);

    // What layout 3 left: no 5-minute tier.
    await sql(`DROP TABLE ${db}.rollup_5m`);
    await sql(`INSERT INTO ${db}.tokenscope_meta SELECT 'schema_version', '3', max(written) + 1 FROM ${db}.tokenscope_meta`);
    const second = await open();
    expect(await fiveMinuteRows()).toBe(written);
    expect(byBucket(await second.aggregate(request))).toEqual(before);
    // Later writes recompute 15-minute slots from the filled tier: a ragged range (every tier) stays exact.
    const later = makeEvents(10, START + DAY, 60_000, 13);
    await second.ingest(later.map(stored));
    const inRange = [...events, ...later].filter((e) => timeOf(e) >= from && timeOf(e) < to);
    expect(await totalsOf(second, from, to)).toBe(sumOf(inRange).total_tokens);
    await second.close();
    expect((await sql(`SELECT argMax(value, written) FROM ${db}.tokenscope_meta WHERE key = 'schema_version'`)).trim()).toBe('4');
  });

  test('a top ranked and folded in JavaScript (few rows) or in SQL (many) gives the same rows', async () => {
    const { db } = freshDatabase();
    const location = parseClickHouseUrl(cluster.storeUrl(db));
    const inJs = await openClickHouseStore({ location, logger: silent });
    const inSql = await openClickHouseStore({ location, logger: silent, jsWorkMaxRows: 0 });
    const events = makeEvents(3000, START, 2 * DAY, 23).map(stored);
    await inJs.ingest(events);
    const from = START + 17_123;
    const to = START + 2 * DAY - 41_000;
    const pieces = planBuckets(from, to, bucketBoundaries(from, to, '1h', 'UTC'));
    const sorted = (rows: AggregateRow[]) => [...rows].sort((a, b) => a.bucket - b.bucket || String(a.key).localeCompare(String(b.key)));
    const asks = [
      { groupBy: 'model' as const, top: { limit: 2, order: { of: ['input_tokens', 'output_tokens'] as const, timedOnly: false } } },
      { groupBy: 'api_key' as const, top: { limit: 1, order: { of: ['duration_ms'] as const, timedOnly: true } } },
    ];
    for (const ask of asks) {
      const request = { pieces, filters: {}, sums: ['input_tokens', 'output_tokens', 'duration_ms', 'timed_requests'] as const, ...ask };
      const [js, sql] = [await inJs.aggregate(request), await inSql.aggregate(request)];
      expect(sorted(js)).toEqual(sorted(sql));
      // The top kept, the rest folded into key null, and no token lost on the way.
      expect(new Set(js.filter((r) => r.key !== null).map((r) => r.key)).size).toBe(ask.top.limit);
      expect(js.some((r) => r.key === null)).toBe(true);
      const inRange = events.filter((e) => e.ts >= from && e.ts < to);
      expect(js.reduce((n, r) => n + r.sums.input_tokens, 0)).toBe(inRange.reduce((n, e) => n + e.inputTokens, 0));
    }
    await Promise.all([inJs.close(), inSql.close()]);
  });

  test('a database written by a newer layout is refused', async () => {
    const { db, open } = freshDatabase();
    await (await open()).close();
    await cluster.servers[0].sql(`INSERT INTO ${db}.tokenscope_meta VALUES ('schema_version', '99', ${Date.now() + 1000})`);
    await expect(open()).rejects.toThrow(/written by a newer Tokenscope \(layout 99/);
  });

  test('a wrong password fails at start with a clear message that does not contain it', async () => {
    const wrong = `clickhouse://${CLICKHOUSE_TEST_USER.name}:not-the-Password-123@127.0.0.1:${cluster.servers[0].httpPort}/db`;
    const err = await openClickHouseStore({ location: parseClickHouseUrl(wrong), logger: silent }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/could not open ClickHouse tokenscope@127\.0\.0\.1:\d+\/db: .*(password|Authentication)/i);
    expect(err?.message).not.toContain('not-the-Password-123');
  });

  test('the server reports engine clickhouse and never logs the password', async () => {
    const lines: string[] = [];
    const logger = createLogger('trace', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const { db } = freshDatabase();
    const config = loadConfig({}, { TOKENSCOPE_PORT: 0, TOKENSCOPE_STORE: cluster.storeUrl(db), TOKENSCOPE_LOG_LEVEL: 'trace' });
    const server = await startServer(config, logger);
    try {
      const health = await (await fetch(`${server.url}/api/v1/health`)).json();
      expect(health).toMatchObject({ status: 'ok', engine: 'clickhouse', events: 0 });
      const events = makeEvents(20, START, DAY, 10);
      const res = await fetch(`${server.url}/api/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
      expect(await res.json()).toMatchObject({ accepted: 20, duplicates: 0 });
      expect((await (await fetch(`${server.url}/api/v1/health`)).json()).events).toBe(20);
      expect(sumOf(events).requests).toBe(20);
    } finally {
      await server.close();
    }
    const log = lines.join('');
    expect(log).toMatch(/clickhouse store ready/);
    for (const form of [CLICKHOUSE_TEST_USER.password, encodeURIComponent(CLICKHOUSE_TEST_USER.password)]) expect(log).not.toContain(form);
  });
});

describe.skipIf(!clickhouseProgram.path)(`ClickHouse engine on a two-shard cluster${clickhouseProgram.skipReason}`, () => {
  let shards: ClickHouseTestCluster;
  beforeAll(async () => {
    shards = await startClickHouse(2);
  });
  afterAll(() => shards?.stop());

  test('events and rollup rows are spread over both shards, and answers are whole', async () => {
    const { db, open } = freshDatabase(() => shards);
    const store = await open();
    const events = makeEvents(2000, START, 2 * DAY, 11).map(stored);
    await store.ingest(events);
    await store.ingest(events.slice(0, 700));
    expect(await totalsOf(store)).toBe(events.reduce((n, e) => n + e.inputTokens + e.outputTokens, 0));
    const counts = await Promise.all(shards.servers.map(async (s) => Number(await s.sql(`SELECT count() FROM ${db}.events_local`))));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2000);
    for (const n of counts) expect(n).toBeGreaterThan(500);
    for (const s of shards.servers) expect(Number(await s.sql(`SELECT count() FROM ${db}.rollup_1m_local`))).toBeGreaterThan(0);
    await store.close();
  });

  test('a cluster whose other nodes are not listed fails at start and says to list them', async () => {
    const db = `engine_test_${++dbCounter}`;
    const url = shards.storeUrl(db).replace(/&nodes=[^&]*/, '');
    await expect(openClickHouseStore({ location: parseClickHouseUrl(url), logger: silent })).rejects.toThrow(
      /lack Tokenscope's local tables: list every node's HTTP address in TOKENSCOPE_STORE's nodes parameter/,
    );
  });
});
