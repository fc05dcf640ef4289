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
  const zone = IANAZone.create(timezone);
  const alignDown = (t: number) => {
    const offset = zone.offset(t) * 60_000;
    return Math.floor((t + offset) / step) * step - offset;
  };
  const out = [alignDown(from)];
  while (out[out.length - 1] < to) {
    const last = out[out.length - 1];
    const next = alignDown(last + step);
    out.push(next > last ? next : last + step);
  }
  return out;
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
