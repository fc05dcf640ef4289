import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect, test } from 'vitest';
import { capturedLog } from '../../../../test/support/captured-log';
import { storedEvent } from '../../../../test/support/usage-events';
import { createLogger } from '../../logger';
import type { Store, StoredEvent } from '../engine';
import { BASE_SUMS } from '../../../shared';
import { DuckDBCompactor, mergeRanges } from './duckdb-compactor';
import { openDuckDBStore } from './duckdb-store';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-compactor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (ts: number, model: string): StoredEvent => storedEvent({ ts, model, outputTokens: 1 });

async function tierCounts(path: string) {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  const out: Record<string, { rows: number; distinct: number; input: number }> = {};
  for (const tier of ['1m', '5m', '15m', '1h', '1d']) {
    const [row] = (await conn.runAndReadAll(`SELECT count(*), count(DISTINCT (slot, dims_id)), sum(input_tokens) FROM rollup_${tier}`)).getRowsJS();
    out[tier] = { rows: Number(row[0]), distinct: Number(row[1]), input: Number(row[2]) };
  }
  conn.closeSync();
  instance.closeSync();
  return out;
}

/** A logger that collects the tiers the compactor reports merged, and a wait for a set of them. */
function mergeLog() {
  const merged = new Set<string>();
  const pieces = new Map<string, number>();
  // Commits and merges in the order they were logged.
  const steps: string[] = [];
  let notify = () => {};
  const { logger } = capturedLog('debug', (entry) => {
    if (entry.msg === 'duckdb write') steps.push('commit');
    const tier = entry.tier as string | undefined;
    if (entry.msg === 'duckdb rollup merged' && tier) {
      steps.push(`merge ${tier}`);
      merged.add(tier);
      pieces.set(tier, (pieces.get(tier) ?? 0) + (entry.pieces as number));
    }
    notify();
  });
  const mergedAll = (expected: string[]) =>
    new Promise<void>((resolve) => {
      notify = () => expected.every((t) => merged.has(t)) && resolve();
      notify();
    });
  return { logger, mergedAll, pieces, steps };
}

const HOUR = Date.UTC(2026, 5, 1, 10);

/** 40 commits, each a minute of the same hour for the same two models: the hour and day slots repeat 40 times, the 5-minute slots 5 times. */
async function ingestRepeats(store: Store): Promise<void> {
  for (let i = 0; i < 40; i++) await store.ingest([event(HOUR + i * 60_000, 'a'), event(HOUR + i * 60_000 + 1, 'b')]);
}

/** A store that merges only while ingest goes on, never once idle: what it leaves behind stays unmerged. */
const openWithoutIdleMerges = (path: string) => openDuckDBStore({ path, logger: createLogger('silent'), idleCompactMs: 3_600_000 });

/** Opens the store again and waits until it has merged `tiers` once idle; returns the pieces each tier was merged in. */
async function reopenUntilMerged(path: string, tiers: string[], mergePieceRows?: number): Promise<Map<string, number>> {
  const { logger, mergedAll, pieces } = mergeLog();
  const store = await openDuckDBStore({ path, logger, idleCompactMs: 50, mergePieceRows });
  await mergedAll(tiers);
  await store.close();
  return pieces;
}

function expectMerged(counts: Awaited<ReturnType<typeof tierCounts>>): void {
  expect(counts['1d']).toEqual({ rows: 2, distinct: 2, input: 800 });
  expect(counts['1h']).toEqual({ rows: 2, distinct: 2, input: 800 });
  expect(counts['15m'].rows).toBe(counts['15m'].distinct);
  expect(counts['5m']).toEqual({ rows: 16, distinct: 16, input: 800 });
  expect(counts['1m']).toEqual({ rows: 80, distinct: 80, input: 800 });
}

test('commits that repeat slots are merged once ingest pauses; sums are unchanged', async () => {
  const path = join(dir, 'repeats.duckdb');
  // The compactor logs each merge: the test waits for the merges it expects instead of sleeping.
  const { logger, mergedAll } = mergeLog();
  const store = await openDuckDBStore({ path, logger, idleCompactMs: 50 });
  await ingestRepeats(store);
  await mergedAll(['5m', '15m', '1h', '1d']);
  await store.close();
  expectMerged(await tierCounts(path));
});

test('repeats an earlier run left unmerged are counted row by row at start and merged once idle', async () => {
  const path = join(dir, 'left.duckdb');
  // No idle merge in the first run: it stops with 40 rows for each (hour, model).
  const first = await openWithoutIdleMerges(path);
  await ingestRepeats(first);
  await first.close();
  expect((await tierCounts(path))['1h']).toEqual({ rows: 80, distinct: 2, input: 800 });

  // 78 of the hour tier's 80 rows repeat: counting the two repeated (slot, dims) pairs instead left them unmerged.
  await reopenUntilMerged(path, ['5m', '15m', '1h', '1d']);
  expectMerged(await tierCounts(path));
});

test('when idle, a tier is merged once a tenth of its rows repeat, not only once half do', async () => {
  const path = join(dir, 'tenth.duckdb');
  const first = await openWithoutIdleMerges(path);
  // Ten hours for two models, then the first and the last again: the hour tier holds 24 rows for 20 (slot, dims)
  // pairs, and the repeats span all ten hours.
  const hours = Array.from({ length: 10 }, (_, h) => HOUR + h * 3_600_000);
  await first.ingest(hours.flatMap((t) => [event(t, 'a'), event(t, 'b')]));
  await first.ingest([hours[0], hours[9]].flatMap((t) => [event(t + 1_800_000, 'a'), event(t + 1_800_000, 'b')]));
  await first.close();
  expect((await tierCounts(path))['1h']).toEqual({ rows: 24, distinct: 20, input: 240 });

  await reopenUntilMerged(path, ['1h']);
  expect((await tierCounts(path))['1h']).toEqual({ rows: 20, distinct: 20, input: 240 });
});

test('a merge goes in pieces of at most the rows asked for, each slot whole, and leaves the same sums', async () => {
  const path = join(dir, 'pieces.duckdb');
  const first = await openWithoutIdleMerges(path);
  await ingestRepeats(first);
  await first.close();
  // The 5-minute tier holds 80 rows in 8 slots of 10 rows: at most 15 rows a piece makes 8 pieces of one slot each.
  const pieces = await reopenUntilMerged(path, ['5m', '15m', '1h', '1d'], 15);
  expect(pieces.get('5m')).toBe(8);
  expectMerged(await tierCounts(path));
});

test('while ingest goes on, a merge holds the writer: a batch sent after the commit that called for it waits for it', async () => {
  const { logger, steps } = mergeLog();
  const store = await openDuckDBStore({ path: join(dir, 'holds.duckdb'), logger, compactAfterRepeats: 1, idleCompactMs: 3_600_000 });
  await store.ingest([event(HOUR, 'a')]);
  // The same model in the next minute repeats the 5-minute, 15-minute, hour and day slots: the commit calls for a merge.
  await store.ingest([event(HOUR + 60_000, 'a')]);
  // Another model ten days on repeats nothing, so no merge follows this one.
  await store.ingest([event(HOUR + 10 * 86_400_000, 'z')]);
  await store.close();
  expect(steps).toEqual(['commit', 'commit', 'merge 5m', 'merge 15m', 'merge 1h', 'merge 1d', 'commit']);
});

/** A store's 1-minute rollup table opened on its own, to be filled by hand: rows for ids 1 to `ids` in one minute. */
async function minuteTable(name: string) {
  const path = join(dir, name);
  await (await openWithoutIdleMerges(path)).close();
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  return {
    conn,
    appendMinute: (ids: number) =>
      conn.run(
        `INSERT INTO rollup_1m (slot, dims_id, ${BASE_SUMS.join(', ')}) SELECT ${HOUR}, range, ${BASE_SUMS.map(() => '1').join(', ')} FROM range(1, ${ids + 1})`,
      ),
    rows: async () => Number((await conn.runAndReadAll('SELECT count(*) FROM rollup_1m')).getRowsJS()[0][0]),
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** What a commit of `rows` rows in that minute tells the compactor. */
const noteMinute = (compactor: DuckDBCompactor, rows: number) => compactor.note({ rows: new Map([['1m', rows]]), minTs: HOUR, maxTs: HOUR });

test('while ingest goes on, a tier is merged once its counted repeats are half its rows, whatever the estimate says', async () => {
  const table = await minuteTable('counted.duckdb');
  const { logger, steps } = mergeLog();
  // Two commits into one minute: the estimate counts every row of the second as a repeat, since its slot was
  // touched before.
  const passAfterTwoCommits = async (rows: number) => {
    const compactor = new DuckDBCompactor(table.conn, logger, { minRepeatedRows: 1 });
    for (let i = 0; i < 2; i++) noteMinute(compactor, rows);
    await compactor.merge();
  };

  // Each id once: nothing repeats, and nothing is merged.
  await table.appendMinute(20);
  await passAfterTwoCommits(10);
  expect(steps).toEqual([]);
  expect(await table.rows()).toBe(20);

  // Each id twice: half the rows repeat, and the merge leaves one row per id.
  await table.appendMinute(20);
  await passAfterTwoCommits(20);
  expect(steps).toEqual(['merge 1m']);
  expect(await table.rows()).toBe(20);
  table.close();
});

test('after a count finds too few repeats, a tier is counted again only once the estimate reaches half the rows counted', async () => {
  const table = await minuteTable('recount.duckdb');
  const { logger, entries } = capturedLog('debug');
  const compactor = new DuckDBCompactor(table.conn, logger, { minRepeatedRows: 1 });
  await table.appendMinute(20);
  noteMinute(compactor, 20);
  noteMinute(compactor, 20);
  await compactor.merge();
  expect(entries.filter((e) => e.msg === 'duckdb rollup merge not worth it').map((e) => [e.rows, e.repeats])).toEqual([[20, 0]]);
  // Half of the 20 rows counted must be estimated to repeat before the next count.
  noteMinute(compactor, 9);
  expect(compactor.wants()).toBe(false);
  noteMinute(compactor, 1);
  expect(compactor.wants()).toBe(true);
  table.close();
});

test('a tier left unmerged while ingest went on, a third of its rows repeating, is merged once idle', async () => {
  const table = await minuteTable('idle-after-count.duckdb');
  const { logger, steps, mergedAll } = mergeLog();
  const compactor = new DuckDBCompactor(table.conn, logger, { minRepeatedRows: 1 });
  // Twenty ids, then ten of them again: 30 rows, 10 of them repeats.
  await table.appendMinute(20);
  await table.appendMinute(10);
  noteMinute(compactor, 20);
  noteMinute(compactor, 10);
  await compactor.merge();
  expect(steps).toEqual([]);
  // At rest a tenth is enough, and the count that found too few for a merge under ingest does not hold it back.
  expect(compactor.wants(true)).toBe(true);
  compactor.start(true);
  await mergedAll(['1m']);
  expect(steps).toEqual(['merge 1m']);
  expect(await table.rows()).toBe(20);
  table.close();
});

test('merge ranges cover every slot from the first to the last, each within the row limit unless one slot exceeds it', () => {
  const slots = [
    [0, 4],
    [60, 4],
    [180, 3],
    [240, 9],
    [300, 1],
    [600, 2],
  ];
  expect(mergeRanges(slots, 8)).toEqual([
    [0, 179],
    [180, 239],
    [240, 299],
    [300, 600],
  ]);
  expect(mergeRanges(slots, 100)).toEqual([[0, 600]]);
  expect(mergeRanges([], 8)).toEqual([]);
});
