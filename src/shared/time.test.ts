import { describe, expect, test } from 'vitest';
import { isTimeZone, parseInstant } from './time';

describe('parseInstant', () => {
  test.each([
    ['2026-01-02T03:04:05Z', Date.UTC(2026, 0, 2, 3, 4, 5)],
    ['2026-01-02T03:04:05.678+05:30', Date.UTC(2026, 0, 2, 3, 4, 5, 678) - 5.5 * 3_600_000],
    ['2026-01-02T03:04:05-08:00', Date.UTC(2026, 0, 2, 11, 4, 5)],
    ['2026-01-02 03:04:05', Date.UTC(2026, 0, 2, 3, 4, 5)],
    ['2026-01-02 03:04:05.1', Date.UTC(2026, 0, 2, 3, 4, 5, 100)],
    ['2026-01-02 03:04:05.123456789', Date.UTC(2026, 0, 2, 3, 4, 5, 123)],
    ['1767225600000', 1767225600000],
    [1767225600000, 1767225600000],
  ])('%s', (text, ms) => {
    expect(parseInstant(text)).toEqual({ ms });
  });

  test.each([
    ['yesterday'],
    ['2026-02-30 00:00:00'],
    ['2026-01-01T24:00:00Z'],
    ['2026-01-01T00:00:00+25:00'],
    [1.5],
    [null],
    [{}],
    ['9999999999999999'],
    ['-9999999999999999'],
  ])('rejects %s', (value) => {
    const result = parseInstant(value);
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error.length).toBeGreaterThan(10);
  });
});

test('isTimeZone knows IANA names and refuses others', () => {
  expect(isTimeZone('Asia/Kolkata')).toBe(true);
  expect(isTimeZone('UTC')).toBe(true);
  expect(isTimeZone('Mars/Olympus')).toBe(false);
  expect(isTimeZone('')).toBe(false);
});
