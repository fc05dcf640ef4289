/**
 * The DuckDB store on a real file system that fills up while the write-ahead log is being checkpointed: DuckDB
 * invalidates the database, the store answers 503 meanwhile, and serves again once space returns, without
 * being restarted and without losing or doubling what it acknowledged.
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loopDiskSkipReason, makeLoopDisk, type LoopDisk } from '../../../../test/support/loop-disk';
import { makeEvents } from '../../../../test/support/usage-events';
import { StoreUnavailableError } from '../../errors';
import { toStoredEvent } from '../../ingest/event-schema';
import { createLogger } from '../../logger';
import type { StoredEvent } from '../engine';
import { openDuckDBStore } from './duckdb-store';

const now = Date.now();
const batch = (n: number): StoredEvent[] =>
  makeEvents(200, now - 3_600_000, 3_000_000, 500 + n, `reopen-${n}`).map((e) => {
    const result = toStoredEvent(e);
    if (!('event' in result)) throw new Error(result.error);
    return result.event;
  });

describe.skipIf(loopDiskSkipReason !== '')(`DuckDB store when a checkpoint fails on a full disk${loopDiskSkipReason}`, () => {
  let disk: LoopDisk;
  afterAll(() => disk?.remove());

  test('invalidated database: 503 while the disk is full, then reopened by itself with every acknowledged event once', async () => {
    disk = makeLoopDisk();
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(...String(chunk).trim().split('\n')), done()) }));
    // A tiny checkpoint threshold, so a checkpoint comes due while the disk is full, as the 128MB default does
    // on a busy server whose disk fills up.
    const store = await openDuckDBStore({ path: join(disk.dir, 'tokenscope.duckdb'), logger, checkpointThreshold: '64KB' });
    const sent: StoredEvent[][] = [];
    const acked = new Set<number>();
    for (let n = 0; n < 5; n++) {
      sent.push(batch(n));
      await store.ingest(sent[n]);
      acked.add(n);
    }

    // Room for the log to grow a little, not for the checkpoint's new 256 KiB blocks.
    disk.fill(160 * 1024);
    const failures: unknown[] = [];
    for (let n = 5; n < 25; n++) {
      sent.push(batch(n));
      await store.ingest(sent[n]).then(
        () => acked.add(n),
        (err) => failures.push(err),
      );
    }
    expect(failures.length).toBeGreaterThan(0);
    for (const err of failures) expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(lines.some((l) => l.includes('duckdb invalidated the database after a failed write; reopening it'))).toBe(true);
    // Still full: a read either reopens the database and answers right, or is refused with a reason.
    await store.eventCount().then(
      (count) => expect(count).toBe(acked.size * 200),
      (err) => expect(err).toBeInstanceOf(StoreUnavailableError),
    );

    disk.unfill();
    // Nothing acknowledged is lost, nothing refused was stored.
    expect(await store.eventCount()).toBe(acked.size * 200);
    expect(lines.some((l) => l.includes('duckdb database reopened'))).toBe(true);
    // Resending everything stores what was missing and nothing twice.
    let accepted = 0;
    for (const events of sent) accepted += (await store.ingest(events)).accepted;
    expect(accepted).toBe((sent.length - acked.size) * 200);
    expect(await store.eventCount()).toBe(sent.length * 200);
    await store.close();

    // And the file opens again as it is.
    const reopened = await openDuckDBStore({ path: join(disk.dir, 'tokenscope.duckdb'), logger });
    expect(await reopened.eventCount()).toBe(sent.length * 200);
    await reopened.close();
  });
});
