import { describe, expect, test } from 'vitest';
import type { AggregateRequest, AggregateRow, Store } from '../storage/engine';
import { zeroSums } from '../../shared';
import type { NormalisedQuery } from './normalise';
import { trendData } from './trend';

const H = 3_600_000;
const q: NormalisedQuery = {
  type: 'trend',
  from: 0,
  to: 2 * H,
  metrics: ['requests'],
  dimension: 'model',
  filters: {},
  granularity: '1h',
  limit: 1,
  timezone: 'UTC',
  maxDataPoints: 1000,
  orderBy: 'total_tokens',
};
const row = (bucket: number, key: string | null, requests: number): AggregateRow => ({ bucket, key, label: key, sums: { ...zeroSums(), requests } });

/**
 * A store that answers the ranking with one model, and the split a moment later as if a second model had
 * been ingested in between: the race a two-pass store (no topN) can meet under live ingest.
 */
function storeWithALateArrival(): Store {
  return {
    engine: 'two-pass',
    async ingest() {
      return { accepted: 0, duplicates: 0, stored: [] };
    },
    async aggregate(request: AggregateRequest) {
      if (request.keep) return [row(0, 'a', 3), row(H, null, 2)];
      return [row(0, 'a', 3)];
    },
    async largestCalls() {
      return { calls: [], earliest: null };
    },
    async eventCount() {
      return 0;
    },
    async close() {},
  };
}

describe('trendData', () => {
  test('values that arrive between the ranking and the split become the "other" series instead of an error', async () => {
    const data = await trendData(storeWithALateArrival(), q);
    expect(data.keys).toEqual([
      { key: 'a', label: 'a' },
      { key: null, label: null },
    ]);
    expect(data.sums.get(null)!.map((s) => s.requests)).toEqual([0, 2]);
    expect(data.sums.get('a')!.map((s) => s.requests)).toEqual([3, 0]);
  });
});
