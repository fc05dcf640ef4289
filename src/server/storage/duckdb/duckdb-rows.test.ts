/**
 * The rollup rows a commit appends: one row per (slot, dims id) of each tier, summing exactly the events in it,
 * in slot order; events out of time order are refused rather than summed into a second row for a slot.
 */
import { expect, test } from 'vitest';
import { asStoredEvent, makeEvents } from '../../../../test/support/usage-events';
import { rollupColumns, type StoredEventWithDims } from './duckdb-rows';

const START = Date.UTC(2026, 4, 3, 22, 41, 7);
const HOUR = 3_600_000;
const TIERS = [60_000, 3_600_000, 86_400_000];

const rows: StoredEventWithDims[] = makeEvents(4000, START, 30 * HOUR, 5)
  .map(asStoredEvent)
  .sort((a, b) => a.ts - b.ts)
  .map((event, i) => ({ event, dimsId: 1 + ((i * 7) % 13) }));

test('each tier has one row per (slot, dims id), summing its events, in slot order', () => {
  const tiers = rollupColumns(rows, TIERS);
  TIERS.forEach((ms, t) => {
    const expected = new Map<string, { input: number; requests: number }>();
    for (const { event, dimsId } of rows) {
      const key = `${event.ts - (event.ts % ms)}/${dimsId}`;
      const sums = expected.get(key) ?? { input: 0, requests: 0 };
      sums.input += event.inputTokens;
      sums.requests += 1;
      expected.set(key, sums);
    }
    const { columns, rows: n } = tiers[t];
    const got = new Map<string, { input: number; requests: number }>();
    for (let j = 0; j < n; j++) {
      got.set(`${columns.slot[j]}/${columns.dims_id[j]}`, { input: Number(columns.input_tokens[j]), requests: Number(columns.requests[j]) });
      if (j > 0) expect(columns.slot[j]).toBeGreaterThanOrEqual(columns.slot[j - 1] as number);
    }
    expect(n).toBe(expected.size);
    expect(got).toEqual(expected);
  });
});

test('events out of time order are refused', () => {
  const swapped = [rows[1], rows[0], ...rows.slice(2)].map((r, i) => (i === 0 ? { ...r, event: { ...r.event, ts: r.event.ts + 10 * HOUR } } : r));
  expect(() => rollupColumns(swapped, TIERS)).toThrow('rollup rows must be summed in time order');
});
