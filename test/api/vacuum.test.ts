/**
 * Giving DuckDB's disk space back: 90 days of events, retention applied with the store's clock moved forward, then
 * `tokenscope vacuum` (the real command) on the stopped server's file, or the server's own online vacuum
 * (TOKENSCOPE_DUCKDB_VACUUM) while clients keep reading and writing. Either way the file is smaller, every answer
 * (totals, ranking, trends, largest calls) is what it was, every acknowledged event counts, and a resend of a stored
 * event still counts once. The command refuses a file a server holds, a missing file and a file that is not
 * Tokenscope's, and leaves each as it was.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/server/config';
import { createLogger } from '../../src/server/logger';
import { startServer, type RunningServer } from '../../src/server/main';
import type { Store } from '../../src/server/storage/engine';
import { ROLLUP_TIERS } from '../../src/server/storage/duckdb/duckdb-schema';
import { openDuckDBStore } from '../../src/server/storage/duckdb/duckdb-store';
import { runCli } from '../support/run-cli';
import { spawnServer } from '../support/server-process';
import { makeEvents, type ClientEvent } from '../support/usage-events';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const RETENTION = {
  TOKENSCOPE_RAW_RETENTION: '30d',
  TOKENSCOPE_RETENTION_1M: '30d',
  TOKENSCOPE_RETENTION_15M: '30d',
  TOKENSCOPE_RETENTION_1H: '365d',
};
const START = Date.UTC(2026, 5, 30, 12);
const EVENTS = 240_000;
/** Time order, as a server receives them: 90 days before START, two thirds of them older than raw retention. */
const events = makeEvents(EVENTS, START - 90 * DAY, 90 * DAY, 7, 'vac').sort((a, b) => Date.parse(a.timestamp as string) - Date.parse(b.timestamp as string));

/** Every query ends at START: events sent while a vacuum runs are stamped after it. */
const QUERIES: Record<string, Record<string, unknown>> = {
  totals: { type: 'totals', from: START - 120 * DAY, to: START, metrics: ['input_tokens', 'output_tokens', 'cache_read_tokens', 'requests', 'cost'] },
  ranking: { type: 'ranking', from: START - 120 * DAY, to: START, dimension: 'model', metrics: ['total_tokens', 'requests'], limit: 3 },
  'daily trend': {
    type: 'trend',
    from: START - 120 * DAY,
    to: START,
    granularity: '1d',
    metrics: ['input_tokens', 'requests'],
    split: 'service',
    timezone: 'UTC',
  },
  'minute trend': { type: 'trend', from: START - 2 * HOUR, to: START, granularity: '1m', metrics: ['output_tokens'], timezone: 'UTC' },
  calls: { type: 'calls', from: START - 20 * DAY, to: START, limit: 25 },
};

/** A server on its own DuckDB file whose store's clock the test sets, filled with `events`. */
function usageServer(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-vacuum-'));
  const harness = {
    db: join(dir, 'usage.duckdb'),
    now: START,
    store: null as unknown as Store,
    server: null as unknown as RunningServer,
    async open() {
      const config = loadConfig({ ...RETENTION, ...env }, { TOKENSCOPE_PORT: 0, TOKENSCOPE_DB: harness.db, TOKENSCOPE_LOG_LEVEL: 'silent' });
      const logger = createLogger(process.env.VACUUM_TEST_LOG ?? 'silent');
      harness.store = await openDuckDBStore({
        path: config.db,
        logger,
        retention: config.retention,
        now: () => harness.now,
        vacuumAtDeletedShare: config.duckdbVacuumAt,
      });
      harness.server = await startServer(config, logger, harness.store);
    },
    async send(batch: ClientEvent[]) {
      const res = await fetch(`${harness.server.url}/api/v1/usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { accepted: number; duplicates: number };
    },
    async query(body: Record<string, unknown>) {
      const res = await fetch(`${harness.server.url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, JSON.stringify(body)).toBe(200);
      return res.json();
    },
    async answers() {
      const result: Record<string, unknown> = {};
      for (const [name, body] of Object.entries(QUERIES)) result[name] = await harness.query(body);
      return result;
    },
    /** The file and its write-ahead log. */
    size: () => statSync(harness.db).size + (existsSync(`${harness.db}.wal`) ? statSync(`${harness.db}.wal`).size : 0),
    async fill() {
      await harness.open();
      // The clock follows the events, as it did while they arrived (ingest refuses events past raw retention).
      for (let i = 0; i < events.length; i += 20_000) {
        const batch = events.slice(i, i + 20_000);
        harness.now = Date.parse(batch.at(-1)!.timestamp as string) + 60_000;
        expect((await harness.send(batch)).accepted).toBe(batch.length);
      }
      harness.now = START;
    },
    async remove() {
      await harness.server?.close();
      rmSync(dir, { recursive: true, force: true });
    },
    /** Resent stored events within raw retention count once; a new one (stamped after every query's range) counts. */
    async resendCountsOnce(expectedEvents: number) {
      const recent = events.filter((e) => Date.parse(e.timestamp as string) > START - 10 * DAY).slice(-3);
      expect(await harness.send(recent)).toEqual(expect.objectContaining({ accepted: 0, duplicates: 3 }));
      expect(await harness.send([{ ...recent[0], id: `new-${expectedEvents}`, timestamp: new Date(START + 2 * HOUR).toISOString() }])).toEqual(
        expect.objectContaining({ accepted: 1, duplicates: 0 }),
      );
      expect(await harness.store.eventCount()).toBe(expectedEvents + 1);
    },
  };
  return harness;
}

describe('tokenscope vacuum on a DuckDB file after retention', () => {
  const h = usageServer();
  beforeAll(() => h.fill(), 300_000);
  afterAll(() => h.remove());

  test('the file shrinks, every answer stays the same, and a resend still counts once', async () => {
    await h.store.applyRetention!();
    const before = await h.answers();
    expect((before.totals as { totals: { requests: number } }).totals.requests).toBe(EVENTS);
    await h.server.close();
    const bytesBefore = h.size();
    // A copy left by a vacuum that crashed half way is replaced, not trusted.
    writeFileSync(`${h.db}.compact.tmp`, 'left over by a crash');

    const vacuum = await runCli(['vacuum', '--db', h.db]);
    expect(vacuum.stderr).toBe('');
    expect(vacuum.code).toBe(0);
    const bytesAfter = h.size();
    console.log(`offline vacuum after retention, ${EVENTS} events (two thirds past raw retention): ${bytesBefore} → ${bytesAfter} bytes`);
    expect(bytesAfter).toBeLessThan(bytesBefore);
    expect(vacuum.stdout).toContain(`${h.db}: `);
    // meta, dims, events and one table per rollup tier.
    expect(vacuum.stdout).toMatch(new RegExp(`% smaller\\); [\\d,]+ rows in ${3 + ROLLUP_TIERS.length} tables copied and checked`));
    expect(existsSync(`${h.db}.compact.tmp`)).toBe(false);

    await h.open();
    expect(await h.answers()).toEqual(before);
    await h.resendCountsOnce(EVENTS);
  }, 300_000);

  test('a file a running server holds is refused and left as it was', async () => {
    await h.server.close();
    const bytes = h.size();
    const running = await spawnServer(['--db', h.db]);
    try {
      const vacuum = await runCli(['vacuum', '--db', h.db]);
      expect(vacuum.code).toBe(1);
      expect(vacuum.stderr).toMatch(
        /^tokenscope: the database .*usage\.duckdb is in use by another process \(is tokenscope serve running on it\?\); stop that process first/,
      );
      expect(existsSync(`${h.db}.compact.tmp`)).toBe(false);
    } finally {
      await running.kill();
    }
    expect(h.size()).toBe(bytes);
    await h.open();
  }, 120_000);
});

describe('online vacuum (TOKENSCOPE_DUCKDB_VACUUM) while clients read and write', () => {
  const h = usageServer({ TOKENSCOPE_DUCKDB_VACUUM: '40%' });
  beforeAll(() => h.fill(), 300_000);
  afterAll(() => h.remove());
  let before: Record<string, unknown>;
  let stored = EVENTS;

  test('the sweep rewrites the file; reads during it answer as before, every acknowledged write counts', async () => {
    // Closing folds the log into the file: the size to beat, which a sweep without a vacuum does not lower.
    await h.server.close();
    const bytesBefore = h.size();
    // Opened with nothing expired yet, so the sweep the store starts with deletes nothing and the one below, run
    // while clients read and write, does.
    h.now = START - 60 * DAY;
    await h.open();
    await h.store.applyRetention!();
    h.now = START;
    // At one clock, a sweep changes no answer but where raw events begin: it deletes only what the planner no longer reads.
    const sweepless = (answers: Record<string, unknown>) => ({ ...answers, calls: { ...(answers.calls as object), rawEventsFrom: 'after the sweep' } });
    before = await h.answers();
    let stop = false;
    const seen: unknown[] = [];
    const reading = (async () => {
      while (!stop) seen.push(await h.answers());
    })();
    let sentTokens = 0;
    let sentEvents = 0;
    const writing = (async () => {
      for (let n = 0; !stop; n++) {
        const batch = makeEvents(200, START, HOUR, 100 + n, `during-${n}`);
        expect((await h.send(batch)).accepted).toBe(batch.length);
        sentEvents += batch.length;
        sentTokens += batch.reduce((sum, e) => sum + e.input_tokens!, 0);
      }
    })();
    await h.store.applyRetention!();
    // Each client makes at least one more request against the swapped-in file.
    const [reads, writes] = [seen.length, sentEvents];
    while (seen.length <= reads + 1 || sentEvents <= writes) await new Promise((resolve) => setTimeout(resolve, 20));
    stop = true;
    await Promise.all([reading, writing]);

    const bytesAfter = h.size();
    console.log(`online vacuum after retention, ${EVENTS} events (two thirds past raw retention): ${bytesBefore} → ${bytesAfter} bytes`);
    expect(bytesAfter).toBeLessThan(bytesBefore);
    for (const answer of seen) expect(sweepless(answer as Record<string, unknown>)).toEqual(sweepless(before));
    const after = await h.answers();
    expect(sweepless(after)).toEqual(sweepless(before));
    expect((after.calls as { rawEventsFrom: number }).rawEventsFrom).toBeGreaterThanOrEqual(h.store.heldFrom!().raw);
    const during = (await h.query({ type: 'totals', from: START, to: START + DAY, metrics: ['input_tokens', 'requests'] })) as {
      totals: { input_tokens: number; requests: number };
    };
    expect(during.totals).toEqual({ input_tokens: sentTokens, requests: sentEvents });
    await h.resendCountsOnce(EVENTS + sentEvents);
    stored = EVENTS + sentEvents + 1;
  }, 300_000);

  test('a server restarted months later rewrites the file after the sweep it starts with', async () => {
    await h.server.close();
    const bytesBefore = h.size();
    // 150 days on (before the real today, which bounds timestamps): raw events and the minute and 15-minute tiers
    // are gone; hours and days answer the old ranges.
    h.now = START + 150 * DAY;
    await h.open();
    // Returns once the sweep that opening started, and the vacuum after it, are done.
    await h.store.applyRetention!();
    const bytesAfter = h.size();
    console.log(`online vacuum after a restart 150 days later: ${bytesBefore} → ${bytesAfter} bytes`);
    expect(bytesAfter).toBeLessThan(bytesBefore);
    for (const name of ['totals', 'ranking', 'daily trend']) expect(await h.query(QUERIES[name]), name).toEqual(before[name]);
    expect(await h.store.eventCount()).toBe(stored);
    const late = { ...events[0], id: 'after-months', timestamp: new Date(h.now - HOUR).toISOString() };
    expect(await h.send([late])).toEqual(expect.objectContaining({ accepted: 1, duplicates: 0 }));
    expect(await h.send([late])).toEqual(expect.objectContaining({ accepted: 0, duplicates: 1 }));
  }, 300_000);
});

test('tokenscope vacuum refuses a missing file and a database that is not Tokenscope’s, creating and changing nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-vacuum-refused-'));
  try {
    const missing = join(dir, 'missing.duckdb');
    const none = await runCli(['vacuum', '--db', missing]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`tokenscope: there is no database at ${missing}`);
    expect(existsSync(missing)).toBe(false);

    const other = join(dir, 'other.duckdb');
    const instance = await DuckDBInstance.create(other);
    const conn = await instance.connect();
    await conn.run('CREATE TABLE notes AS SELECT range AS n FROM range(1000)');
    conn.closeSync();
    instance.closeSync();
    const bytes = statSync(other).size;
    const foreign = await runCli(['vacuum', '--db', other]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('is not a Tokenscope database (it has no meta table); left as it was');
    expect(statSync(other).size).toBe(bytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('TOKENSCOPE_DUCKDB_VACUUM: off by default, a share of the stored rows, and a clear error for anything else', () => {
  const base = { TOKENSCOPE_LOG_LEVEL: 'silent' };
  expect(loadConfig(base).duckdbVacuumAt).toBeNull();
  expect(loadConfig({ ...base, TOKENSCOPE_DUCKDB_VACUUM: '50%' }).duckdbVacuumAt).toBe(0.5);
  expect(loadConfig({ ...base, TOKENSCOPE_DUCKDB_VACUUM: 'OFF' }).duckdbVacuumAt).toBeNull();
  expect(() => loadConfig({ ...base, TOKENSCOPE_DUCKDB_VACUUM: '100%' })).toThrow(
    /TOKENSCOPE_DUCKDB_VACUUM: must be off or a share of the stored rows from 1% to 99%, such as 40%/,
  );
  expect(() => loadConfig({ ...base, TOKENSCOPE_DUCKDB_VACUUM: '0.5' })).toThrow(/TOKENSCOPE_DUCKDB_VACUUM/);
});
