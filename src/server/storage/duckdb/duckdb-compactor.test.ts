import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect, test } from 'vitest';
import { createLogger } from '../../logger';
import type { StoredEvent } from '../engine';
import { openDuckDBStore } from './duckdb-store';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-compactor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (ts: number, model: string): StoredEvent => ({
  ts,
  service: 'svc',
  model,
  modelType: 'text_generation',
  apiKey: 'k',
  apiKeyLabel: 'k',
  inputTokens: 10,
  outputTokens: 1,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  durationMs: null,
  id: null,
  traceId: null,
  spanId: null,
});

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

test('commits that repeat slots are merged once ingest pauses; sums are unchanged', async () => {
  const path = join(dir, 'repeats.duckdb');
  // The compactor logs each merge: the test waits for the merges it expects instead of sleeping.
  const merged = new Set<string>();
  let notify = () => {};
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).trim().split('\n')) {
        const entry = JSON.parse(line) as { msg?: string; tier?: string };
        if (entry.msg === 'duckdb rollup merged' && entry.tier) merged.add(entry.tier);
      }
      notify();
      done();
    },
  });
  const store = await openDuckDBStore({ path, logger: createLogger('debug', sink), idleCompactMs: 50 });
  const hour = Date.UTC(2026, 5, 1, 10);
  // 40 commits, each a minute of the same hour for the same two models: the hour and day slots repeat 40 times,
  // the 5-minute slots 5 times.
  for (let i = 0; i < 40; i++) await store.ingest([event(hour + i * 60_000, 'a'), event(hour + i * 60_000 + 1, 'b')]);
  const expected = ['5m', '15m', '1h', '1d'];
  await new Promise<void>((resolve) => {
    notify = () => expected.every((t) => merged.has(t)) && resolve();
    notify();
  });
  await store.close();
  const counts = await tierCounts(path);
  expect(counts['1d']).toEqual({ rows: 2, distinct: 2, input: 800 });
  expect(counts['1h']).toEqual({ rows: 2, distinct: 2, input: 800 });
  expect(counts['15m'].rows).toBe(counts['15m'].distinct);
  expect(counts['5m']).toEqual({ rows: 16, distinct: 16, input: 800 });
  expect(counts['1m']).toEqual({ rows: 80, distinct: 80, input: 800 });
});
