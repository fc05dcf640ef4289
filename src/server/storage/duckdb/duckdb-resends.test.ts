/**
 * Resends on DuckDB whichever way they are found: in the hashed ids held in memory, in the stored events when the
 * id index holds no day (no memory for it), and in the index read back from disk after a restart. A hash in memory
 * only makes a suspect: an id stored more than the dedupe window away still counts as new.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { storedEvent } from '../../../../test/support/usage-events';
import { createLogger } from '../../logger';
import type { Store, StoredEvent } from '../engine';
import { openDuckDBStore } from './duckdb-store';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-resends-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const start = Date.UTC(2026, 9, 1);

const event = (id: string | null, ts: number): StoredEvent => storedEvent({ id, ts });

/** 3,000 events with ids over 10 days, in scattered time order. */
const events = Array.from({ length: 3000 }, (_, i) => event(`call-${i}`, start + ((i * 7919) % 3000) * ((10 * DAY) / 3000)));

const open = (name: string, idIndexBytes?: number) => openDuckDBStore({ path: join(dir, `${name}.duckdb`), logger: createLogger('silent'), idIndexBytes });

async function storeAll(store: Store): Promise<void> {
  for (let i = 0; i < events.length; i += 500) expect((await store.ingest(events.slice(i, i + 500))).accepted).toBe(500);
}

describe.each([
  ['held in memory', undefined],
  ['read from the stored events (no memory for the index)', 0],
])('resends found %s', (name, idIndexBytes) => {
  test('every event sent again counts once; new ids beside them are stored', async () => {
    const store = await open(`resends-${idIndexBytes ?? 'default'}`, idIndexBytes);
    await storeAll(store);
    const again = await store.ingest([...events.slice(0, 1000), event('call-new', start + DAY), event(null, start + DAY)]);
    expect(again).toMatchObject({ accepted: 2, duplicates: 1000 });
    expect(again.stored.map((e) => e.id)).toEqual(['call-new', null]);
    expect(await store.eventCount()).toBe(3002);
    await store.close();
  });
});

test('after a restart the index is read back from disk: resends of the earlier run count once', async () => {
  const first = await open('restart');
  await storeAll(first);
  await first.close();
  const second = await open('restart');
  const again = await second.ingest(events.filter((_, i) => i % 3 === 0));
  expect(again).toMatchObject({ accepted: 0, duplicates: 1000 });
  expect(await second.eventCount()).toBe(3000);
  await second.close();
});

test('an id stored more than a day away is a new call although its hash is held', async () => {
  const store = await open('far');
  await store.ingest([event('reused-id', start + 10 * 60_000)]);
  // 47 hours later: both days are in the later event's window, and its hash matches, but it is no resend.
  const later = await store.ingest([event('reused-id', start + 47 * 3_600_000)]);
  expect(later).toMatchObject({ accepted: 1, duplicates: 0 });
  const near = await store.ingest([event('reused-id', start + 20 * 3_600_000)]);
  expect(near).toMatchObject({ accepted: 0, duplicates: 1 });
  expect(await store.eventCount()).toBe(2);
  await store.close();
});
