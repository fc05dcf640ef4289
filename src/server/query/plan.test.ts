import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { GRANULARITY_IDS, type FixedGranularity } from '../../shared';
import { TIERS, type ScanPiece } from '../storage/engine';
import { bucketBoundaries } from './buckets';
import { planBuckets, planRange } from './plan';

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
});
