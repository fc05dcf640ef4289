/**
 * The largest calls on DuckDB when calls tie at the limit-th score: the score of the limit-th call is found first,
 * then every call scoring at least that, ordered with every tie-breaker; a tie goes to the earlier call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createLogger } from '../../logger';
import type { CallField } from '../../../shared';
import type { Store, StoredEvent } from '../engine';
import { openDuckDBStore } from './duckdb-store';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-calls-'));
const T = Date.UTC(2026, 9, 1);
let store: Store;

const call = (minute: number, service: string, inputTokens: number): StoredEvent => ({
  ts: T + minute * 60_000,
  service,
  model: 'm',
  modelType: 'text_generation',
  apiKey: 'k',
  apiKeyLabel: 'k',
  inputTokens,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  durationMs: null,
  id: `${service}-${minute}`,
  traceId: null,
  spanId: null,
});

beforeAll(async () => {
  store = await openDuckDBStore({ path: join(dir, 'calls.duckdb'), logger: createLogger('silent') });
  // Service "tie": six calls of 100 tokens, stored latest first. Service "spread": 60, 50, 50, 10, 5 tokens.
  await store.ingest([6, 5, 4, 3, 2, 1].map((m) => call(m, 'tie', 100)));
  await store.ingest([call(10, 'spread', 60), call(12, 'spread', 50), call(11, 'spread', 50), call(13, 'spread', 10), call(14, 'spread', 5)]);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// Output tokens are 0, so both orders rank alike: by total tokens (a stored column, whole rows read once) and by
// input tokens (a sum without statistics, row ids taken first).
const ORDERS: CallField[][] = [['input_tokens', 'output_tokens'], ['input_tokens']];

const largest = (service: string, limit: number, orderBy: CallField[]) =>
  store.largestCalls({ from: T, to: T + 3_600_000, filters: { service: { values: [service] } }, orderBy, limit });

test.each(ORDERS)('six calls tied at the limit-th score: the earliest of them, in time order (by %s)', async (...orderBy) => {
  const { calls } = await largest('tie', 2, orderBy);
  expect(calls.map((c) => c.id)).toEqual(['tie-1', 'tie-2']);
});

test.each(ORDERS)('calls of different scores with a tie: largest first, a tie to the earlier call (by %s)', async (...orderBy) => {
  expect((await largest('spread', 2, orderBy)).calls.map((c) => c.id)).toEqual(['spread-10', 'spread-11']);
  expect((await largest('spread', 3, orderBy)).calls.map((c) => c.id)).toEqual(['spread-10', 'spread-11', 'spread-12']);
  expect((await largest('spread', 10, orderBy)).calls.map((c) => c.inputTokens)).toEqual([60, 50, 50, 10, 5]);
});

test('no call in the range: none, and the earliest raw event is still reported', async () => {
  const got = await store.largestCalls({ from: T - 3_600_000, to: T, filters: {}, orderBy: ['input_tokens'], limit: 5 });
  expect(got.calls).toEqual([]);
  expect(got.earliest).toBe(T + 60_000);
});
