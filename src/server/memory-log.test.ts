import { afterEach, expect, test, vi } from 'vitest';
import { capturedLog } from '../../test/support/captured-log';
import { logMemory } from './memory-log';

afterEach(() => {
  vi.useRealTimers();
});

test('at debug level the memory is logged every interval, each figure a positive number of MiB', async () => {
  vi.useFakeTimers();
  const { logger, entries: lines } = capturedLog('debug');
  const stop = logMemory(logger, 1000);
  vi.advanceTimersByTime(3000);
  stop();
  vi.advanceTimersByTime(3000);
  await vi.waitFor(() => expect(lines).toHaveLength(3));
  for (const line of lines) {
    expect(line.msg).toBe('memory');
    for (const key of ['rssMiB', 'peakRssMiB', 'heapUsedMiB', 'heapTotalMiB', 'externalMiB']) expect(line[key]).toBeGreaterThan(0);
    expect(line.peakRssMiB as number).toBeGreaterThanOrEqual(line.rssMiB as number);
    expect(line.heapTotalMiB as number).toBeGreaterThanOrEqual(line.heapUsedMiB as number);
  }
});

test('above debug level nothing is logged', () => {
  vi.useFakeTimers();
  const { logger, entries: lines } = capturedLog('info');
  logMemory(logger, 1000);
  vi.advanceTimersByTime(5000);
  expect(lines).toEqual([]);
});
