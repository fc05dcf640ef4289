import { describe, expect, test } from 'vitest';
import { HashSet64, IDLE_DAY_IDS, IDLE_DAY_MS, StoredIdIndex, hashId, windowDays, type StoredIdSource } from './stored-id-index';

const DAY = 86_400_000;

/** A store's stored ids by day, counting how often the index reads them. */
function source(byDay: Map<number, string[]>) {
  const reads: number[][] = [];
  const s: StoredIdSource = {
    countIds: async (days) => new Map(days.filter((d) => byDay.has(d)).map((d) => [d, byDay.get(d)!.length])),
    forEachId: async (days, each) => {
      reads.push([...days]);
      for (const d of days) for (const id of byDay.get(d) ?? []) each(d, id);
    },
  };
  return { source: s, reads };
}

describe('hashId and HashSet64', () => {
  test('a set of 200,000 hashed ids holds each of them, and of 200,000 other ids none', () => {
    const set = new HashSet64();
    const h = new Int32Array(2);
    for (let i = 0; i < 200_000; i++) {
      hashId(`req-${i}`, h);
      set.add(h[0], h[1]);
    }
    expect(set.size).toBe(200_000);
    let held = 0;
    let others = 0;
    for (let i = 0; i < 200_000; i++) {
      hashId(`req-${i}`, h);
      if (set.has(h[0], h[1])) held++;
      hashId(`other-${i}`, h);
      if (set.has(h[0], h[1])) others++;
    }
    expect(held).toBe(200_000);
    expect(others).toBe(0);
  });

  test('ids that differ in one character hash apart; the same id hashes alike', () => {
    const a = new Int32Array(2);
    const b = new Int32Array(2);
    hashId('chatcmpl-abc123', a);
    hashId('chatcmpl-abc124', b);
    expect([...a]).not.toEqual([...b]);
    hashId('chatcmpl-abc123', b);
    expect([...a]).toEqual([...b]);
  });
});

describe('StoredIdIndex', () => {
  const day = 20_000;
  const ts = day * DAY + 3_600_000;

  test('an event needs the day before, its day and the day after', () => {
    expect(windowDays(ts)).toEqual([day - 1, day, day + 1]);
  });

  test('loads the days an event needs from the store, then answers in memory; ids added later are held', async () => {
    const { source: s, reads } = source(
      new Map([
        [day - 1, ['old-1']],
        [day, ['a', 'b']],
      ]),
    );
    const index = new StoredIdIndex(1 << 20);
    expect(index.covers(ts)).toBe(false);
    await index.load(windowDays(ts), s);
    expect(index.covers(ts)).toBe(true);
    expect(reads).toEqual([[day - 1, day]]);
    expect(index.mayHold('a', ts)).toBe(true);
    expect(index.mayHold('old-1', ts)).toBe(true);
    expect(index.mayHold('c', ts)).toBe(false);
    index.add('c', ts);
    expect(index.mayHold('c', ts)).toBe(true);
    // Loading the same days again reads nothing.
    await index.load(windowDays(ts), s);
    expect(reads).toHaveLength(1);
  });

  test('within its memory it forgets the least recently used days, never the days being loaded', async () => {
    const ids = (d: number) => Array.from({ length: 3000 }, (_, i) => `d${d}-${i}`);
    const byDay = new Map(Array.from({ length: 10 }, (_, d) => [day + d, ids(day + d)]));
    const { source: s } = source(byDay);
    // Room for about four days of 3,000 ids (4,001 slots of 8 bytes each).
    const index = new StoredIdIndex(4 * 8 * 4001 + 1000);
    await index.load([day, day + 1, day + 2], s);
    await index.load([day + 3], s);
    expect(index.heldDays).toEqual([day, day + 1, day + 2, day + 3]);
    await index.load([day + 1, day + 4], s);
    expect(index.heldDays).toEqual([day + 2, day + 3, day + 1, day + 4]);
    expect(index.bytes).toBeLessThanOrEqual(4 * 8 * 4001 + 1000);
    // More days than fit: those that do not fit stay unheld, and an event needing them is not covered.
    await index.load([day + 5, day + 6, day + 7, day + 8, day + 9], s);
    expect(index.heldDays.length).toBeLessThanOrEqual(4);
    expect(index.covers((day + 9) * DAY)).toBe(false);
  });

  test('trim forgets days once added ids outgrow the memory', async () => {
    const { source: s } = source(new Map());
    const index = new StoredIdIndex(64 * 1024);
    await index.load([day, day + 1], s);
    for (let i = 0; i < 10_000; i++) index.add(`n-${i}`, day * DAY + i);
    expect(index.bytes).toBeGreaterThan(64 * 1024);
    index.trim();
    expect(index.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(index.heldDays).toEqual([day + 1]);
  });

  test('days no write needed for a while are forgotten, the others kept', async () => {
    const { source: s } = source(new Map());
    let now = 1_000_000;
    const index = new StoredIdIndex(1 << 20, () => now);
    await index.load([day, day + 1], s);
    now += IDLE_DAY_MS / 2;
    await index.load([day + 1, day + 2], s);
    now += IDLE_DAY_MS / 2 + 1;
    index.trim();
    expect(index.heldDays).toEqual([day + 1, day + 2]);
  });

  test('days no write needed while IDLE_DAY_IDS ids were stored are forgotten at once, as a bulk load in time order leaves them', async () => {
    const { source: s } = source(new Map());
    const index = new StoredIdIndex(1 << 30, () => 1_000_000);
    await index.load([day - 1, day, day + 1], s);
    for (let i = 0; i < IDLE_DAY_IDS - 1; i++) index.add(`n-${i}`, day * DAY + (i % DAY));
    await index.load([day, day + 1, day + 2], s);
    index.add('one-more', day * DAY);
    index.trim();
    // The day before went unused while IDLE_DAY_IDS ids were stored; the others were needed by the second write.
    expect(index.heldDays.sort()).toEqual([day, day + 1, day + 2]);
    // One id short of IDLE_DAY_IDS since the next write's load, its days stay; the day it did not need goes.
    await index.load([day + 1, day + 2, day + 3], s);
    for (let i = 0; i < IDLE_DAY_IDS - 1; i++) index.add(`m-${i}`, (day + 1) * DAY + (i % DAY));
    index.trim();
    expect(index.heldDays.sort()).toEqual([day + 1, day + 2, day + 3]);
  });
});
