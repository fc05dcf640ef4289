/** Bucket boundaries aligned on the wall clock of an IANA time zone, including half-hour zones and DST days. */
import { DateTime, IANAZone } from 'luxon';
import { granularityDefinition, type FixedGranularity } from '../../shared';

/**
 * Bucket boundaries b0 < b1 < … < bn with b0 <= from < b1 and b(n-1) < to <= bn: bucket i is [b(i), b(i+1)).
 * Sub-day buckets start where the zone's wall clock is a multiple of the step (a Kolkata hour starts at
 * :30 UTC); a day starts at local midnight and lasts 23, 24 or 25 hours. Call `bucketCount` first for a
 * bound on the array's length.
 */
export function bucketBoundaries(from: number, to: number, granularity: FixedGranularity, timezone: string): number[] {
  if (granularity === '1d') return dayBoundaries(from, to, timezone);
  const step = granularityDefinition(granularity).ms;
  // Within a stretch of constant UTC offset, buckets start where the wall clock is a multiple of the step;
  // an offset change (DST) also starts a bucket, unless it falls on such a point anyway.
  const out: number[] = [];
  for (const { start, end, offsetMs } of offsetStretches(from, to, timezone)) {
    const first = Math.max(start, Math.floor((Math.max(start, from) + offsetMs) / step) * step - offsetMs);
    if (out.length === 0 || first > out[out.length - 1]) out.push(first);
    for (let t = Math.floor((first + offsetMs) / step) * step - offsetMs + step; t < end && out[out.length - 1] < to; t += step) out.push(t);
    if (out[out.length - 1] >= to) break;
    if (end > out[out.length - 1]) out.push(end);
    if (end >= to) break;
  }
  return out;
}

/** No real zone changes its offset twice within this long, so sampling at this pace finds every change. */
const SAMPLE_MS = 6 * 3_600_000;

/**
 * Offsets at the sample points, per zone: the points lie on a fixed grid (multiples of SAMPLE_MS), so the trends of
 * one dashboard, and its next refresh, look up the same points instead of asking Intl again (a few µs each, a
 * tenth of a 30-day trend's own work). Offsets are facts of the zone's rules, the same for every query.
 */
const sampledOffsets = new Map<string, Map<number, number>>();
const MAX_SAMPLED = 100_000;

/** The zone's UTC offset at `t` (ms), and the same for grid points, remembered. */
function zoneOffsets(timezone: string): { offset: (t: number) => number; sampled: (t: number) => number } {
  const zone = IANAZone.create(timezone);
  const offset = (t: number) => zone.offset(t) * 60_000;
  let known = sampledOffsets.get(zone.name);
  if (!known) sampledOffsets.set(zone.name, (known = new Map()));
  return {
    offset,
    sampled: (t) => {
      let value = known.get(t);
      if (value === undefined) {
        if (known.size >= MAX_SAMPLED) known.clear();
        known.set(t, (value = offset(t)));
      }
      return value;
    },
  };
}

/** Stretches of constant offset covering [from, to], found by sampling and then bisecting each change. */
function offsetStretches(from: number, to: number, timezone: string): { start: number; end: number; offsetMs: number }[] {
  const { offset, sampled } = zoneOffsets(timezone);
  const stretches = [{ start: -Infinity, end: Infinity, offsetMs: offset(from) }];
  let prev = from;
  for (let t = Math.min((Math.floor(from / SAMPLE_MS) + 1) * SAMPLE_MS, to); ; t = Math.min(t + SAMPLE_MS, to)) {
    const current = t % SAMPLE_MS === 0 ? sampled(t) : offset(t);
    const last = stretches[stretches.length - 1];
    if (current !== last.offsetMs) {
      let [lo, hi] = [prev, t]; // offset(lo) is the old one, offset(hi) the new one
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offset(mid) === last.offsetMs) lo = mid;
        else hi = mid;
      }
      last.end = hi;
      stretches.push({ start: hi, end: Infinity, offsetMs: current });
    }
    if (t >= to) break;
    prev = t;
  }
  // The first bucket may start before `from`, in an earlier stretch: the caller only looks back one step.
  return stretches;
}

function dayBoundaries(from: number, to: number, timezone: string): number[] {
  let day = DateTime.fromMillis(from, { zone: timezone }).startOf('day');
  const out = [day.toMillis()];
  while (out[out.length - 1] < to) {
    day = day.plus({ days: 1 }).startOf('day');
    out.push(day.toMillis());
  }
  return out;
}

/** An upper bound on the number of buckets, computed without building them. */
export function bucketCount(from: number, to: number, granularity: FixedGranularity): number {
  const nominal = granularityDefinition(granularity).ms;
  // Days may be 23 hours long; the +2 covers the partial buckets at both ends.
  const shortest = granularity === '1d' ? 23 * 3_600_000 : nominal;
  return Math.ceil((to - from) / shortest) + 2;
}
