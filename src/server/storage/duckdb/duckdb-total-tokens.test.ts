/**
 * Each event's total tokens are stored (layout 5), so the largest calls by total are found from row-group
 * statistics: ingest writes input + output, and a layout-4 database gains the column filled in place, with the same
 * largest calls before and after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect, test } from 'vitest';
import { asStoredEvent, makeEvents } from '../../../../test/support/usage-events';
import { createLogger } from '../../logger';
import type { CallsRequest, StoredEvent } from '../engine';
import { openDuckDBStore } from './duckdb-store';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-total-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger('silent');
const START = Date.UTC(2026, 3, 2, 5, 11);
const DAY = 86_400_000;
const events: StoredEvent[] = makeEvents(2000, START, DAY, 29).map(asStoredEvent);

/** Runs statements on a closed store's file; the last one's rows. */
async function onFile(path: string, sql: string[]): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  let rows: unknown[][] = [];
  for (const statement of sql) rows = (await conn.runAndReadAll(statement)).getRowsJS();
  conn.closeSync();
  instance.closeSync();
  return rows;
}

const mismatches = `SELECT count(*)::INTEGER FROM events WHERE total_tokens <> input_tokens + output_tokens`;
const byTotal: CallsRequest = { from: START, to: START + DAY, filters: {}, orderBy: ['output_tokens', 'input_tokens'], limit: 25 };

test('ingest stores input + output as each event total, and the largest calls by total are those of the sum', async () => {
  const path = join(dir, 'new.duckdb');
  const store = await openDuckDBStore({ path, logger });
  await store.ingest(events);
  const { calls } = await store.largestCalls(byTotal);
  await store.close();
  const expected = [...events].sort((a, b) => b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens) || a.ts - b.ts).slice(0, 25);
  expect(calls.map((c) => c.inputTokens + c.outputTokens)).toEqual(expected.map((e) => e.inputTokens + e.outputTokens));
  expect(await onFile(path, [`SELECT count(*)::INTEGER FROM events WHERE total_tokens > 0`])).toEqual([[events.length]]);
  expect(await onFile(path, [mismatches])).toEqual([[0]]);
});

test('a layout-4 database gains each event total in place, and its largest calls stay the same', async () => {
  const path = join(dir, 'upgrade.duckdb');
  let store = await openDuckDBStore({ path, logger });
  await store.ingest(events);
  const before = await store.largestCalls(byTotal);
  await store.close();

  // What layout 4 left on disk: no total column.
  await onFile(path, ['ALTER TABLE events DROP COLUMN total_tokens', `UPDATE meta SET value = '4' WHERE key = 'schema_version'`]);
  store = await openDuckDBStore({ path, logger });
  expect(await store.largestCalls(byTotal)).toEqual(before);
  await store.close();
  expect(await onFile(path, [mismatches])).toEqual([[0]]);
  expect(await onFile(path, [`SELECT value FROM meta WHERE key = 'schema_version'`])).toEqual([['5']]);
});
