/**
 * Two backend processes against one ClickHouse (a single server, then a two-shard cluster), as behind a load
 * balancer: events are split between them, and many are sent to both at the same moment. Every answer, from
 * either backend, must equal the sums of the distinct events.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clickhouseProgram, startClickHouse, type ClickHouseTestCluster } from '../support/clickhouse-server';
import { spawnServer, type ServerProcess } from '../support/server-process';
import { makeEvents, ndjson, sumOf, within, type ClientEvent } from '../support/usage-events';

const H = 3_600_000;
const end = Math.floor(Date.now() / H) * H - H;
const start = end - 50 * H;
const withIds = makeEvents(6000, start, end - start, 21, 'replica');
const withoutIds = makeEvents(600, start, end - start, 22).map(({ id: _id, ...e }) => e as ClientEvent);
const distinct = [...withIds, ...withoutIds];

const post = async (server: ServerProcess, batch: ClientEvent[]) => {
  const res = await fetch(`${server.url}/api/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson(batch) });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as { accepted: number; duplicates: number };
};
const batchesOf = (events: ClientEvent[], size = 250) =>
  Array.from({ length: Math.ceil(events.length / size) }, (_, i) => events.slice(i * size, (i + 1) * size));

for (const shards of [1, 2]) {
  describe.skipIf(!clickhouseProgram.path)(`two backends on ClickHouse with ${shards} shard(s)${clickhouseProgram.skipReason}`, () => {
    let clickhouse: ClickHouseTestCluster;
    let a: ServerProcess;
    let b: ServerProcess;
    const answers: { accepted: number; duplicates: number }[] = [];

    beforeAll(async () => {
      clickhouse = await startClickHouse(shards);
      const env = { TOKENSCOPE_STORE: clickhouse.storeUrl('replicas') };
      // One after the other, then both at once on the same schema: creation is idempotent.
      a = await spawnServer([], env);
      b = await spawnServer([], env);
      // A gets the first two thirds, B the last two thirds: the middle third reaches both at the same moments.
      const third = withIds.length / 3;
      const shared = batchesOf(withIds.slice(third, 2 * third));
      const onlyA = batchesOf([...withIds.slice(0, third), ...withoutIds.slice(0, 300)]);
      const onlyB = batchesOf([...withIds.slice(2 * third), ...withoutIds.slice(300)]);
      const send = async (server: ServerProcess, batches: ClientEvent[][]) => {
        for (const batch of batches) answers.push(await post(server, batch));
      };
      await Promise.all([send(a, [...shared, ...onlyA]), send(b, [...shared, ...onlyB])]);
      // The very same request to both at once, and a resend of everything with an id to both.
      for (const batch of batchesOf(withIds.slice(0, 1200), 400)) answers.push(...(await Promise.all([post(a, batch), post(b, batch)])));
      await Promise.all([send(a, batchesOf(withIds, 1000)), send(b, batchesOf(withIds, 1000))]);
    }, 600_000);
    afterAll(async () => {
      await a?.kill();
      await b?.kill();
      await clickhouse?.stop();
    });

    const query = async (server: ServerProcess, body: Record<string, unknown>) => {
      const res = await fetch(`${server.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return res.json();
    };

    test('every event was accepted at least once, and the resends were recognised', () => {
      const accepted = answers.reduce((n, r) => n + r.accepted, 0);
      // A race may let both backends accept the same event; it must still count once below.
      expect(accepted).toBeGreaterThanOrEqual(distinct.length);
      expect(answers.reduce((n, r) => n + r.duplicates, 0)).toBeGreaterThanOrEqual(2 * withIds.length);
    });

    test.each([
      ['the whole range', start - H, end + H],
      ['a ragged range', start + 3_333_333, end - 4_444_444],
    ])('totals over %s are exact from either backend', async (_name, from, to) => {
      const want = sumOf(within(distinct, from, to));
      for (const server of [a, b]) {
        const got = await query(server, { type: 'totals', from, to, metrics: ['total_tokens', 'cache_read_tokens', 'requests', 'concurrency'] });
        expect(got.totals).toMatchObject({ total_tokens: want.total_tokens, cache_read_tokens: want.cache_read_tokens, requests: want.requests });
      }
    });

    test('trends and rankings agree between the backends and with the totals', async () => {
      const body = { from: start + 999, to: end - 999, metrics: ['total_tokens'] };
      const want = sumOf(within(distinct, body.from, body.to)).total_tokens;
      const trends = await Promise.all(
        [a, b].map((s) => query(s, { ...body, type: 'trend', granularity: '1h', timezone: 'Asia/Kolkata', dimension: 'model', limit: 3 })),
      );
      expect(trends[1]).toEqual(trends[0]);
      expect(trends[0].series.reduce((n: number, s: { values: number[] }) => n + s.values.reduce((x, y) => x + y, 0), 0)).toBe(want);
      const rankings = await Promise.all([a, b].map((s) => query(s, { ...body, type: 'ranking', dimension: 'api_key', limit: 2 })));
      expect(rankings[1]).toEqual(rankings[0]);
      expect(
        rankings[0].rows.reduce((n: number, r: { metrics: { total_tokens: number } }) => n + r.metrics.total_tokens, 0) +
          rankings[0].other.metrics.total_tokens,
      ).toBe(want);
    });

    test('health on both reports clickhouse and the number of distinct events', async () => {
      for (const server of [a, b]) {
        const health = await (await fetch(`${server.url}/api/v1/health`)).json();
        expect(health).toMatchObject({ engine: 'clickhouse', events: distinct.length });
      }
    });
  });
}
