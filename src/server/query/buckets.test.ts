import { describe, expect, test } from 'vitest';
import { bucketBoundaries, bucketCount } from './buckets';

const H = 3_600_000;
const utc = (...a: [number, number, number, number?, number?]) => Date.UTC(a[0], a[1] - 1, a[2], a[3] ?? 0, a[4] ?? 0);

/** Wall-clock parts of an instant in a zone, from Intl (independent of the code under test). */
function wallClock(t: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(
    new Date(t),
  );
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { hour: get('hour'), minute: get('minute'), second: get('second') };
}

const widths = (b: number[]) => b.slice(1).map((x, i) => x - b[i]);

describe('bucketBoundaries', () => {
  test('UTC hours start on the hour and cover the range', () => {
    const from = utc(2026, 5, 1, 10, 17);
    const to = utc(2026, 5, 1, 14, 5);
    const b = bucketBoundaries(from, to, '1h', 'UTC');
    expect(b[0]).toBe(utc(2026, 5, 1, 10));
    expect(b.at(-1)).toBe(utc(2026, 5, 1, 15));
    expect(widths(b).every((w) => w === H)).toBe(true);
  });

  test('Asia/Kolkata hours start at :30 UTC', () => {
    const b = bucketBoundaries(utc(2026, 5, 1), utc(2026, 5, 2), '1h', 'Asia/Kolkata');
    expect(b.every((t) => t % H === 30 * 60_000)).toBe(true);
    expect(b.every((t) => wallClock(t, 'Asia/Kolkata').minute === 0)).toBe(true);
  });

  test('Asia/Kathmandu 5-minute buckets line up with its :45 offset', () => {
    const b = bucketBoundaries(utc(2026, 5, 1), utc(2026, 5, 1, 2), '5m', 'Asia/Kathmandu');
    expect(b.every((t) => wallClock(t, 'Asia/Kathmandu').minute % 5 === 0)).toBe(true);
  });

  test('New York days follow DST: 23 hours in March, 25 in November, starting at local midnight', () => {
    const march = bucketBoundaries(utc(2026, 3, 7, 12), utc(2026, 3, 10), '1d', 'America/New_York');
    expect(widths(march).slice(0, 3)).toEqual([24 * H, 23 * H, 24 * H]);
    const november = bucketBoundaries(utc(2026, 10, 31, 12), utc(2026, 11, 3), '1d', 'America/New_York');
    expect(widths(november).slice(0, 3)).toEqual([24 * H, 25 * H, 24 * H]);
    expect([...march, ...november].every((t) => wallClock(t, 'America/New_York').hour === 0)).toBe(true);
  });

  test('Berlin hours stay one hour long across the DST change', () => {
    const b = bucketBoundaries(utc(2026, 3, 28), utc(2026, 3, 30), '1h', 'Europe/Berlin');
    expect(widths(b).every((w) => w === H)).toBe(true);
  });

  test('Lord Howe (30-minute DST shift): the hour cut short by the change is a 30-minute bucket', () => {
    // 2026-10-04 02:00 local standard time (+10:30, 15:30Z) jumps to 02:30 (+11:00).
    const b = bucketBoundaries(utc(2026, 10, 3, 14, 40), utc(2026, 10, 3, 17, 10), '1h', 'Australia/Lord_Howe');
    expect(b).toEqual([utc(2026, 10, 3, 14, 30), utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16), utc(2026, 10, 3, 17), utc(2026, 10, 3, 18)]);
    expect(b.map((t) => wallClock(t, 'Australia/Lord_Howe'))).toMatchObject([
      { hour: 1, minute: 0 },
      { hour: 2, minute: 30 },
      { hour: 3, minute: 0 },
      { hour: 4 },
      { hour: 5 },
    ]);
  });

  test('New York fall-back: the repeated 01:00 hour is two buckets of one hour', () => {
    const b = bucketBoundaries(utc(2026, 11, 1, 4), utc(2026, 11, 1, 8), '1h', 'America/New_York');
    expect(widths(b).every((w) => w === H)).toBe(true);
    expect(b.map((t) => wallClock(t, 'America/New_York').hour)).toEqual([0, 1, 1, 2, 3]);
  });

  test('bucketCount bounds the real count', () => {
    for (const [g, zone] of [
      ['1m', 'UTC'],
      ['1h', 'Asia/Kolkata'],
      ['1d', 'America/New_York'],
    ] as const) {
      const from = utc(2026, 3, 1, 7, 13);
      const to = utc(2026, 3, 20, 3);
      expect(bucketBoundaries(from, to, g, zone).length - 1).toBeLessThanOrEqual(bucketCount(from, to, g));
    }
  });
});
