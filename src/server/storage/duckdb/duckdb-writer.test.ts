/**
 * The DuckDB writer's group commit: requests that queue while a commit runs are written together in the next one,
 * each answered with its own counts; events DuckDB refuses fail only their own request; rollup merges between and
 * beside the commits keep every committed row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect, test } from 'vitest';
import { StoreUnavailableError } from '../../errors';
import { capturedLog } from '../../../../test/support/captured-log';
import { storedEvent } from '../../../../test/support/usage-events';
import type { StoredEvent } from '../engine';
import { openDuckDBStore } from './duckdb-store';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = Date.UTC(2026, 9, 1);

const event = (id: string | null, ts: number, inputTokens = 10, model = 'm'): StoredEvent => storedEvent({ id, ts, inputTokens, model });

test('requests queued while a commit runs go into the next commit together, each answered with its own counts', async () => {
  const { logger, entries } = capturedLog();
  const store = await openDuckDBStore({ path: join(dir, 'group.duckdb'), logger });
  const first = store.ingest([event('a', start)]);
  // Sent while the first commit runs: one group, in which an id repeats an earlier request's and one the stored event's.
  const queued = [
    store.ingest([event('b1', start + 1), event('b2', start + 2), event('b3', start + 3)]),
    store.ingest([event('b2', start + 2), event('c1', start + 4)]),
    store.ingest([event('a', start)]),
  ];
  const answers = await Promise.all([first, ...queued]);
  expect(answers.map(({ accepted, duplicates }) => ({ accepted, duplicates }))).toEqual([
    { accepted: 1, duplicates: 0 },
    { accepted: 3, duplicates: 0 },
    { accepted: 1, duplicates: 1 },
    { accepted: 0, duplicates: 1 },
  ]);
  expect(answers[2].stored.map((e) => e.id)).toEqual(['c1']);
  const writes = entries.filter((e) => e.msg === 'duckdb write').map((e) => ({ requests: e.requests, events: e.events }));
  expect(writes).toEqual([
    { requests: 1, events: 1 },
    { requests: 3, events: 6 },
  ]);
  expect(await store.eventCount()).toBe(5);
  await store.close();
});

test('events DuckDB refuses fail only their own request; the others of the group are stored', async () => {
  const { logger, entries } = capturedLog();
  const store = await openDuckDBStore({ path: join(dir, 'refused.duckdb'), logger });
  const first = store.ingest([event('a', start)]);
  // 1e20 tokens pass as a JavaScript number but not as DuckDB's BIGINT column.
  const results = await Promise.allSettled([
    first,
    store.ingest([event('b', start + 1), event('c', start + 2)]),
    store.ingest([event('bad', start + 3, 1e20), event('d', start + 4)]),
    store.ingest([event('e', start + 5)]),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
  expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value.accepted)).toEqual([1, 2, 1]);
  expect(entries.some((e) => e.msg === 'duckdb write failed' && e.requests === 3)).toBe(true);
  // Only the refused request is missing; its valid event 'd' is not stored either (a request is stored whole or not at all).
  expect(await store.eventCount()).toBe(4);
  expect(await store.ingest([event('d', start + 4)])).toMatchObject({ accepted: 1, duplicates: 0 });
  await store.close();
});

test('rollup merges between and beside the commits keep every committed row', async () => {
  const { logger, entries } = capturedLog();
  const path = join(dir, 'merges.duckdb');
  // A merge as soon as any slot repeats: while ingest goes on it runs between commits (as a writer task); one that
  // starts 1 ms after a round, once the writer is idle, runs beside the next round's commits.
  const store = await openDuckDBStore({ path, logger, compactAfterRepeats: 1, idleCompactMs: 1 });
  const models = ['m1', 'm2', 'm3'];
  let expectedInput = 0;
  let expectedRequests = 0;
  for (let round = 0; round < 40; round++) {
    await Promise.all(
      Array.from({ length: 4 }, (_, client) => {
        const batch = Array.from({ length: 25 }, (_, i) => {
          const n = round * 100 + client * 25 + i;
          const input = 1 + (n % 97);
          expectedInput += input;
          expectedRequests++;
          // Scattered over a day, so every commit repeats slots of every tier.
          return event(null, start + ((n * 7919) % 1440) * 60_000, input, models[n % 3]);
        });
        return store.ingest(batch);
      }),
    );
  }
  await store.close();
  expect(entries.filter((e) => e.msg === 'duckdb rollup merged').length).toBeGreaterThan(0);
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  for (const tier of ['1m', '5m', '15m', '1h', '1d']) {
    const [[requests, input]] = (await conn.runAndReadAll(`SELECT sum(requests)::DOUBLE, sum(input_tokens)::DOUBLE FROM rollup_${tier}`)).getRowsJS();
    expect({ tier, requests, input }).toEqual({ tier, requests: expectedRequests, input: expectedInput });
  }
  conn.closeSync();
  instance.closeSync();
});
