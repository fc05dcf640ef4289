/**
 * A database from before the 5-minute tier (layout 3) gains it in place: at open the tier is filled from the minute
 * tier, with exactly the rows ingest would have written, and 5-minute trends read it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect, test } from 'vitest';
import { asStoredEvent, makeEvents } from '../../../../test/support/usage-events';
import { createLogger } from '../../logger';
import { bucketBoundaries } from '../../query/buckets';
import { planBuckets } from '../../query/plan';
import type { AggregateRow, StoredEvent } from '../engine';
import { DUCKDB_SCHEMA_VERSION } from './duckdb-schema';
import { openDuckDBStore } from './duckdb-store';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger('silent');
const START = Date.UTC(2026, 1, 10, 7, 3);
const DAY = 86_400_000;

const events: StoredEvent[] = makeEvents(3000, START, 2 * DAY, 11).map(asStoredEvent);

/** The 5-minute tier's rows, merged per (slot, dims id), in order; `sql` runs first (on a closed store's file). */
async function fiveMinuteRows(path: string, sql: string[] = []): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  for (const statement of sql) await conn.run(statement);
  const tables = (await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE table_name = 'rollup_5m'`)).getRowsJS();
  const rows = tables.length
    ? (
        await conn.runAndReadAll(
          `SELECT slot, dims_id, sum(input_tokens), sum(output_tokens), sum(requests), sum(duration_ms), sum(unpriced_tokens) FROM rollup_5m GROUP BY ALL ORDER BY ALL`,
        )
      ).getRowsJS()
    : [];
  conn.closeSync();
  instance.closeSync();
  return rows;
}

const sortRows = (rows: AggregateRow[]) => [...rows].sort((a, b) => a.bucket - b.bucket || String(a.key).localeCompare(String(b.key)));

test('a layout-3 database is given the 5-minute tier, filled from the minute tier as ingest would have written it', async () => {
  const path = join(dir, 'upgrade.duckdb');
  let store = await openDuckDBStore({ path, logger });
  await store.ingest(events);
  const from = START + 17_123;
  const to = START + 2 * DAY - 41_000;
  const pieces = planBuckets(from, to, bucketBoundaries(from, to, '5m', 'UTC'));
  expect(pieces.some((p) => p.tier === '5m')).toBe(true);
  const request = { pieces, filters: {}, groupBy: 'model' as const };
  const before = sortRows(await store.aggregate(request));
  await store.close();

  // What layout 3 left on disk: no 5-minute tier.
  const written = await fiveMinuteRows(path);
  expect(written.length).toBeGreaterThan(500);
  expect(await fiveMinuteRows(path, ['DROP TABLE rollup_5m', `UPDATE meta SET value = '3' WHERE key = 'schema_version'`])).toEqual([]);

  store = await openDuckDBStore({ path, logger });
  expect(sortRows(await store.aggregate(request))).toEqual(before);
  await store.close();
  expect(await fiveMinuteRows(path)).toEqual(written);
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  expect((await conn.runAndReadAll(`SELECT value FROM meta WHERE key = 'schema_version'`)).getRowsJS()).toEqual([[String(DUCKDB_SCHEMA_VERSION)]]);
  conn.closeSync();
  instance.closeSync();
});

test('a new database starts with an empty 5-minute tier that ingest fills', async () => {
  const path = join(dir, 'new.duckdb');
  const store = await openDuckDBStore({ path, logger });
  await store.close();
  expect(await fiveMinuteRows(path)).toEqual([]);
  const again = await openDuckDBStore({ path, logger });
  await again.ingest(events.slice(0, 100));
  await again.close();
  const rows = await fiveMinuteRows(path);
  expect(rows.reduce((n, r) => n + Number(r[4]), 0)).toBe(100);
});
