/** Acknowledged events survive a clean restart and a SIGKILL; the store reopens without repair. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { spawnServer } from '../support/server-process';
import { makeEvents, ndjson, sumOf } from '../support/usage-events';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-durability-'));
const db = join(dir, 'tokenscope.duckdb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H = 3_600_000;
const now = Date.now();
const from = now - 48 * H;
const post = async (url: string, path: string, body: string, type = 'application/json') =>
  (await fetch(url + path, { method: 'POST', headers: { 'content-type': type }, body })).json();
const totals = (url: string) => post(url, '/api/v1/query', JSON.stringify({ type: 'totals', from, to: now + 1, metrics: ['total_tokens', 'requests'] }));

test('acknowledged batches survive SIGKILL and a clean restart, exactly once', async () => {
  const batches = Array.from({ length: 4 }, (_, i) => makeEvents(2500, from, 47 * H, 100 + i, `dur${i}`));
  let server = await spawnServer(['--db', db]);
  for (const batch of batches.slice(0, 3)) {
    expect((await post(server.url, '/api/v1/usage', ndjson(batch), 'application/x-ndjson')).accepted).toBe(batch.length);
  }
  // Killed without any chance to checkpoint: the acknowledged batches live only in the write-ahead log.
  await server.kill('SIGKILL');

  server = await spawnServer(['--db', db]);
  const acked = sumOf(batches.slice(0, 3).flat());
  expect((await totals(server.url)).totals).toEqual({ total_tokens: acked.total_tokens, requests: acked.requests });
  // Resending everything, the unacknowledged batch included, stores only what is missing.
  const resent = await post(server.url, '/api/v1/usage', ndjson(batches.flat()), 'application/x-ndjson');
  expect(resent).toMatchObject({ accepted: 2500, duplicates: 7500 });
  await server.kill('SIGTERM');

  server = await spawnServer(['--db', db]);
  const all = sumOf(batches.flat());
  expect((await totals(server.url)).totals).toEqual({ total_tokens: all.total_tokens, requests: all.requests });
  expect(server.output()).not.toMatch(/"level":50/);
  await server.kill();
});
