import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { GRANULARITY_IDS, type FixedGranularity } from '../../shared';
import { TIERS, type ScanPiece } from '../storage/engine';
import { bucketBoundaries } from './buckets';
import { heldFrom, type RetentionPolicy } from '../storage/retention';
import { coarseResolution, planBuckets, planRange, snapper } from './plan';

const tierMs = new Map(TIERS.map((t) => [t.id, t.ms]));
const DAY = 86_400_000;

/** The pieces tile [from, to) exactly: sorted, contiguous, non-empty, each on its tier's slot grid. */
function expectTiling(pieces: ScanPiece[], from: number, to: number) {
  expect(pieces.length).toBeGreaterThan(0);
  expect(pieces[0].from).toBe(from);
  expect(pieces.at(-1)!.to).toBe(to);
  pieces.forEach((p, i) => {
    expect(p.from).toBeLessThan(p.to);
    if (i > 0) expect(p.from).toBe(pieces[i - 1].to);
    const ms = tierMs.get(p.tier)!;
    expect(p.from % ms).toBe(0);
    expect(p.to % ms).toBe(0);
  });
}

describe('planRange', () => {
  test('a 30-day range reads whole days from the day tier and only minutes of raw events', () => {
    const from = Date.UTC(2026, 0, 1, 10, 17, 3, 250);
    const to = from + 30 * DAY;
    const pieces = planRange(from, to);
    expectTiling(pieces, from, to);
    expect(pieces.filter((p) => p.tier === '1d').reduce((n, p) => n + (p.to - p.from), 0)).toBe(29 * DAY);
    expect(pieces.filter((p) => p.tier === 'raw').reduce((n, p) => n + (p.to - p.from), 0)).toBeLessThan(2 * 60_000);
  });

  test('random ranges are tiled exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 1, max: 90 * DAY }), (from, span) => {
        expectTiling(planRange(from, from + span), from, from + span);
      }),
    );
  });
});

describe('planBuckets', () => {
  const zones = ['UTC', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Europe/Berlin'];
  const granularities = GRANULARITY_IDS.filter((g): g is FixedGranularity => g !== 'auto');

  test('pieces tile the range and never let a tier slot straddle a bucket boundary', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1.7e12, max: 1.9e12 }),
        fc.integer({ min: 1, max: 20 * DAY }),
        fc.constantFrom(...zones),
        fc.constantFrom(...granularities),
        (from, span, zone, granularity) => {
          const to = from + Math.min(span, granularity === '1m' ? 2 * DAY : span);
          const boundaries = bucketBoundaries(from, to, granularity, zone);
          const pieces = planBuckets(from, to, boundaries);
          expectTiling(pieces, from, to);
          for (const p of pieces) {
            const ms = tierMs.get(p.tier)!;
            const inner = boundaries.filter((b) => b > p.from && b < p.to);
            expect(inner.every((b) => b % ms === 0)).toBe(true);
            // The piece's arithmetic puts its first slot in the bucket that really holds it.
            const holder = boundaries.filter((b) => b <= p.from).at(-1)!;
            expect(p.origin + Math.floor((p.from - p.origin) / p.step!) * p.step!).toBe(holder);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a 30-day hourly trend in a whole-hour zone reads the hour tier, in Kolkata the 15-minute tier', () => {
    const from = Date.UTC(2026, 0, 1);
    const to = from + 30 * DAY;
    const tiers = (zone: string) => new Set(planBuckets(from, to, bucketBoundaries(from, to, '1h', zone)).map((p) => p.tier));
    expect(tiers('UTC')).toEqual(new Set(['1h']));
    expect(tiers('Asia/Kolkata')).toEqual(new Set(['15m']));
  });

  test('a 3-day trend of 5-minute buckets (a dashboard refresh) reads the 5-minute tier, minutes and raw events only at its ends', () => {
    const from = Date.UTC(2026, 0, 1, 10, 17, 3, 250);
    const to = from + 3 * DAY;
    for (const zone of ['UTC', 'Asia/Kolkata', 'Asia/Kathmandu']) {
      const pieces = planBuckets(from, to, bucketBoundaries(from, to, '5m', zone));
      expectTiling(pieces, from, to);
      const spanOf = (tier: string) => pieces.filter((p) => p.tier === tier).reduce((n, p) => n + (p.to - p.from), 0);
      expect(spanOf('5m')).toBe(Date.UTC(2026, 0, 4, 10, 15) - Date.UTC(2026, 0, 1, 10, 20));
      expect(spanOf('1m') + spanOf('raw')).toBe(3 * DAY - spanOf('5m'));
      expect(new Set(pieces.map((p) => p.tier))).toEqual(new Set(['raw', '1m', '5m']));
    }
  });
});

describe('planning under retention', () => {
  const granularities = GRANULARITY_IDS.filter((g): g is FixedGranularity => g !== 'auto' && g !== '1m');
  const retention = fc.record({
    raw: fc.integer({ min: 2, max: 60 }),
    '1m': fc.integer({ min: 0, max: 30 }),
    '5m': fc.integer({ min: 0, max: 10 }),
    '15m': fc.integer({ min: 0, max: 60 }),
    '1h': fc.integer({ min: 0, max: 200 }),
    '1d': fc.option(fc.integer({ min: 0, max: 400 })),
  });
  /** Days per tier, each at least the finer tier's (as configuration demands). */
  // Configuration keeps 5-minute slots as long as minutes; the planner must be right for any ordered policy.
  const policyOf = (r: { raw: number; '1m': number; '5m': number; '15m': number; '1h': number; '1d': number | null }): RetentionPolicy => {
    const raw = r.raw * DAY;
    const m1 = raw + r['1m'] * DAY;
    const m5 = m1 + r['5m'] * DAY;
    const m15 = m5 + r['15m'] * DAY;
    const h1 = m15 + r['1h'] * DAY;
    return { raw, '1m': m1, '5m': m5, '15m': m15, '1h': h1, '1d': r['1d'] === null ? null : h1 + r['1d'] * DAY };
  };

  test('pieces tile the moved range, read no tier where it no longer holds every slot, and keep buckets apart', () => {
    fc.assert(
      fc.property(
        retention,
        fc.integer({ min: 1.7e12, max: 1.9e12 }),
        fc.integer({ min: 0, max: 500 * DAY }),
        fc.integer({ min: 1, max: 400 * DAY }),
        fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York'),
        fc.constantFrom(...granularities),
        (r, now, back, span, zone, granularity) => {
          const held = heldFrom(policyOf(r), now);
          const from = now - back;
          const to = from + Math.min(span, granularity === '5m' ? 3 * DAY : granularity === '1h' ? 15 * DAY : span);
          const boundaries = bucketBoundaries(from, to, granularity, zone);
          const snap = snapper(held);
          const pieces = planBuckets(from, to, boundaries, held);
          const [start, end] = [snap(from).at, snap(to).at];
          if (start < end) expectTiling(pieces, start, end);
          else expect(pieces).toEqual([]);
          for (const p of pieces) expect(p.from).toBeGreaterThanOrEqual(held[p.tier]);
          // Each piece's first rows land in a bucket whose moved edges contain them.
          const index = new Map(boundaries.map((b, k) => [b, k]));
          for (const p of pieces) {
            const bucket = p.step === null ? p.origin : p.origin + Math.floor((p.from - p.origin) / p.step) * p.step;
            const k = index.get(bucket)!;
            expect(k).toBeLessThan(boundaries.length - 1);
            expect(p.from).toBeGreaterThanOrEqual(snap(Math.max(boundaries[k], from)).at);
            expect(p.step === null ? p.to : p.from + 1).toBeLessThanOrEqual(snap(Math.min(boundaries[k + 1], to)).at);
          }
          const coarse = coarseResolution(from, to, boundaries, held);
          if (from >= held.raw) expect(coarse).toBeNull();
        },
      ),
      { numRuns: 100 },
    );
  });

  test('a range older than raw retention moves to the finest tier kept and says so', () => {
    const now = Date.UTC(2026, 5, 1);
    const held = heldFrom({ raw: 7 * DAY, '1m': 7 * DAY, '5m': 7 * DAY, '15m': 30 * DAY, '1h': 90 * DAY, '1d': 365 * DAY }, now);
    const from = Date.UTC(2026, 3, 10, 10, 17); // 52 days back: only hours and days are kept
    const to = Date.UTC(2026, 3, 12, 8, 5);
    const pieces = planRange(from, to, held);
    expectTiling(pieces, Date.UTC(2026, 3, 10, 10), Date.UTC(2026, 3, 12, 8));
    expect(new Set(pieces.map((p) => p.tier))).toEqual(new Set(['1h', '1d']));
    expect(coarseResolution(from, to, [from, to], held)).toEqual({ exactFrom: held.raw, slotMs: 3_600_000, keptFrom: null });
    // Before everything kept: nothing is read there, and the answer says where data starts.
    const older = planRange(now - 400 * DAY, now - 300 * DAY, held);
    expect(older[0].from).toBe(held['1d']);
    expect(coarseResolution(now - 400 * DAY, now - 300 * DAY, [], held)?.keptFrom).toBe(held['1d']);
    // Inside raw retention nothing changes.
    expect(planRange(now - DAY - 7, now, held)).toEqual(planRange(now - DAY - 7, now));
    expect(coarseResolution(now - DAY - 7, now, [], held)).toBeNull();
  });
});
