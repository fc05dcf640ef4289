/**
 * Compacting a DuckDB file, at the edges: a copy cut off before the swap (a crash) leaves the original as it was and
 * is never trusted later; a disk without room for the copy is refused up front; a database with a log left beside
 * it is not swapped. In each case the original keeps every event.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loopDiskSkipReason, makeLoopDisk, type LoopDisk } from '../../../../test/support/loop-disk';
import { makeEvents } from '../../../../test/support/usage-events';
import { toStoredEvent } from '../../ingest/event-schema';
import { createLogger } from '../../logger';
import { compactCopyPath, compactDuckDBFile, swapInCopy, writeCompactCopy } from './duckdb-compact-file';
import { openDuckDBStore } from './duckdb-store';

const logger = createLogger('silent');
const NOW = Date.now();
const EVENTS = 30_000;

/** A closed database holding EVENTS events; returns its total input tokens. */
async function makeDatabase(path: string): Promise<number> {
  const events = makeEvents(EVENTS, NOW - 20 * 86_400_000, 20 * 86_400_000, 3, 'compact').map((e) => {
    const result = toStoredEvent(e);
    if (!('event' in result)) throw new Error(result.error);
    return result.event;
  });
  const store = await openDuckDBStore({ path, logger });
  await store.ingest(events);
  await store.close();
  return events.reduce((sum, e) => sum + e.inputTokens, 0);
}

/** Events and input tokens the database at `path` holds, read through the store. */
async function contents(path: string): Promise<{ events: number; inputTokens: number }> {
  const store = await openDuckDBStore({ path, logger });
  try {
    const to = Math.ceil(NOW / 86_400_000 + 1) * 86_400_000;
    const [row] = await store.aggregate({ pieces: [{ tier: '1d', from: 0, to, origin: 0, step: null }], filters: {}, sums: ['input_tokens'] });
    return { events: await store.eventCount(), inputTokens: row?.sums.input_tokens ?? 0 };
  } finally {
    await store.close();
  }
}

test('a copy cut off before the swap leaves the original whole, and the next compaction does not trust it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-compact-'));
  try {
    const path = join(dir, 'usage.duckdb');
    const inputTokens = await makeDatabase(path);
    const original = readFileSync(path);
    // The copy is written and then the process "dies": the rename never happens.
    const instance = await DuckDBInstance.create(path);
    const conn = await instance.connect();
    await writeCompactCopy(conn, compactCopyPath(path));
    conn.closeSync();
    instance.closeSync();
    expect(existsSync(compactCopyPath(path))).toBe(true);
    expect(readFileSync(path).equals(original)).toBe(true);
    expect(await contents(path)).toEqual({ events: EVENTS, inputTokens });

    const result = await compactDuckDBFile(path);
    expect(result.rows).toBeGreaterThan(EVENTS);
    expect(existsSync(compactCopyPath(path))).toBe(false);
    expect(await contents(path)).toEqual({ events: EVENTS, inputTokens });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('a database with a write-ahead log beside it is not swapped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-compact-'));
  try {
    const path = join(dir, 'usage.duckdb');
    const inputTokens = await makeDatabase(path);
    const instance = await DuckDBInstance.create(path);
    const conn = await instance.connect();
    await writeCompactCopy(conn, compactCopyPath(path));
    conn.closeSync();
    instance.closeSync();
    const original = readFileSync(path);
    // A log that DuckDB would replay onto whatever file is in place when the database is next opened.
    writeFileSync(`${path}.wal`, 'a log that belongs to the original');
    expect(() => swapInCopy(compactCopyPath(path), path)).toThrow(
      `the database ${path} still has a write-ahead log (${path}.wal) after closing; it was left as it was, not compacted`,
    );
    expect(readFileSync(path).equals(original)).toBe(true);
    expect(existsSync(compactCopyPath(path))).toBe(false);
    rmSync(`${path}.wal`);
    expect(await contents(path)).toEqual({ events: EVENTS, inputTokens });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

describe.skipIf(loopDiskSkipReason !== '')(`compacting on a disk without room for the copy${loopDiskSkipReason}`, () => {
  let disk: LoopDisk;
  afterAll(() => disk?.remove());

  test('is refused up front, naming what is needed and what is free; the original is untouched', async () => {
    disk = makeLoopDisk();
    const path = join(disk.dir, 'usage.duckdb');
    const inputTokens = await makeDatabase(path);
    const bytes = statSync(path).size;
    disk.fill(1024 * 1024);
    await expect(compactDuckDBFile(path)).rejects.toThrow(
      /^not enough free disk space beside the database to compact it: the copy needs about [\d.]+ MiB, [\d.]+ MiB is free$/,
    );
    expect(statSync(path).size).toBe(bytes);
    expect(existsSync(compactCopyPath(path))).toBe(false);
    disk.unfill();
    expect(await contents(path)).toEqual({ events: EVENTS, inputTokens });
  }, 120_000);
});
