/**
 * Giving DuckDB's disk space back: 90 days of events, retention applied with the store's clock moved forward, then
 * `tokenscope vacuum` (the real command): the file is smaller, every answer (totals, ranking, trends, largest calls)
 * is the same as before it, and a resend of a stored event still counts once. The command refuses a file a server
 * holds, a missing file and a file that is not Tokenscope's, and leaves each as it was.
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
import { openDuckDBStore } from '../../src/server/storage/duckdb/duckdb-store';
import { runCli } from '../support/run-cli';
import { spawnServer } from '../support/server-process';
import { makeEvents, type ClientEvent } from '../support/usage-events';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ENV = {
  TOKENSCOPE_RAW_RETENTION: '30d',
  TOKENSCOPE_RETENTION_1M: '30d',
  TOKENSCOPE_RETENTION_15M: '30d',
  TOKENSCOPE_RETENTION_1H: '365d',
};
const START = Date.UTC(2026, 5, 30, 12);
const EVENTS = 240_000;
/** Time order, as a server receives them: 90 days before START, two thirds of them older than raw retention. */
const events = makeEvents(EVENTS, START - 90 * DAY, 90 * DAY, 7, 'vac').sort((a, b) => Date.parse(a.timestamp as string) - Date.parse(b.timestamp as string));

const QUERIES: Record<string, Record<string, unknown>> = {
  totals: { type: 'totals', from: START - 120 * DAY, to: START + DAY, metrics: ['input_tokens', 'output_tokens', 'cache_read_tokens', 'requests', 'cost'] },
  ranking: { type: 'ranking', from: START - 120 * DAY, to: START + DAY, dimension: 'model', metrics: ['total_tokens', 'requests'], limit: 3 },
  'daily trend': {
    type: 'trend',
    from: START - 120 * DAY,
    to: START + DAY,
    granularity: '1d',
    metrics: ['input_tokens', 'requests'],
    split: 'service',
    timezone: 'UTC',
  },
  'minute trend': { type: 'trend', from: START - 2 * HOUR, to: START, granularity: '1m', metrics: ['output_tokens'], timezone: 'UTC' },
  calls: { type: 'calls', from: START - 20 * DAY, to: START + DAY, limit: 25 },
};

describe('tokenscope vacuum on a DuckDB file after retention', () => {
  let dir: string;
  let db: string;
  let now = START;
  let store: Store;
  let server: RunningServer;

  const open = async () => {
    const config = loadConfig({ ...ENV }, { TOKENSCOPE_PORT: 0, TOKENSCOPE_DB: db, TOKENSCOPE_LOG_LEVEL: 'silent' });
    const logger = createLogger('silent');
    store = await openDuckDBStore({ path: config.db, logger, retention: config.retention, now: () => now });
    server = await startServer(config, logger, store);
  };
  const send = async (batch: ClientEvent[]) => {
    const res = await fetch(`${server.url}/api/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    expect(res.status).toBe(200);
    return (await res.json()) as { accepted: number; duplicates: number };
  };
  const answers = async () => {
    const result: Record<string, unknown> = { events: await store.eventCount() };
    for (const [name, body] of Object.entries(QUERIES)) {
      const res = await fetch(`${server.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, name).toBe(200);
      result[name] = await res.json();
    }
    return result;
  };
  const size = () => statSync(db).size;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-vacuum-'));
    db = join(dir, 'usage.duckdb');
    await open();
    // The clock follows the events, as it did while they arrived (ingest refuses events past raw retention).
    for (let i = 0; i < events.length; i += 20_000) {
      const batch = events.slice(i, i + 20_000);
      now = Date.parse(batch.at(-1)!.timestamp as string) + 60_000;
      expect((await send(batch)).accepted).toBe(batch.length);
    }
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the file shrinks, every answer stays the same, and a resend still counts once', async () => {
    now = START;
    await store.applyRetention!();
    const before = await answers();
    expect((before.totals as { totals: { requests: number } }).totals.requests).toBe(EVENTS);
    await server.close();
    const bytesBefore = size();
    // A copy left by a vacuum that crashed half way is replaced, not trusted.
    writeFileSync(`${db}.compact.tmp`, 'left over by a crash');

    const vacuum = await runCli(['vacuum', '--db', db]);
    expect(vacuum.stderr).toBe('');
    expect(vacuum.code).toBe(0);
    const bytesAfter = size();
    console.log(`vacuum after retention, ${EVENTS} events (two thirds past raw retention): ${bytesBefore} → ${bytesAfter} bytes`);
    expect(bytesAfter).toBeLessThan(bytesBefore);
    expect(vacuum.stdout).toContain(`${db}: `);
    expect(vacuum.stdout).toMatch(/% smaller\); [\d,]+ rows in 7 tables copied and checked/);
    expect(existsSync(`${db}.compact.tmp`)).toBe(false);

    await open();
    expect(await answers()).toEqual(before);
    const recent = events.filter((e) => Date.parse(e.timestamp as string) > START - 10 * DAY).slice(-3);
    expect(await send(recent)).toEqual(expect.objectContaining({ accepted: 0, duplicates: 3 }));
    expect(await send([{ ...recent[0], id: 'vac-new-after-vacuum' }])).toEqual(expect.objectContaining({ accepted: 1, duplicates: 0 }));
    expect(await store.eventCount()).toBe(EVENTS + 1);
  }, 300_000);

  test('a file a running server holds is refused and left as it was', async () => {
    await server.close();
    const bytes = size();
    const running = await spawnServer(['--db', db]);
    try {
      const vacuum = await runCli(['vacuum', '--db', db]);
      expect(vacuum.code).toBe(1);
      expect(vacuum.stderr).toMatch(
        /^tokenscope: the database .*usage\.duckdb is in use by another process \(is tokenscope serve running on it\?\); stop that process first/,
      );
      expect(existsSync(`${db}.compact.tmp`)).toBe(false);
    } finally {
      await running.kill();
    }
    expect(size()).toBe(bytes);
    await open();
  }, 120_000);
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
