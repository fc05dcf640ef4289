import { afterEach, expect, test, vi } from 'vitest';
import { capturedLog } from '../../test/support/captured-log';
import { logMemory } from './memory-log';

afterEach(() => {
  vi.useRealTimers();
});

test('at debug level the memory is logged every interval, each figure a positive number of MiB', async () => {
  vi.useFakeTimers();
  const { logger, entries: lines } = capturedLog('debug');
  const stop = logMemory(logger, undefined, 1000);
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
  logMemory(logger, undefined, 1000);
  vi.advanceTimersByTime(5000);
  expect(lines).toEqual([]);
});

test("with a store in the process, each line has the store's figures too, and a line without them when it cannot answer", async () => {
  vi.useFakeTimers();
  const { logger, entries: lines } = capturedLog('debug');
  const answers = [{ engineBytes: 3 * 2 ** 20, idIndexBytes: 2 ** 19 }, new Error('the store is closed')];
  const storeMemory = async () => {
    const next = answers.shift()!;
    if (next instanceof Error) throw next;
    return next;
  };
  const stop = logMemory(logger, storeMemory, 1000);
  vi.advanceTimersByTime(2000);
  stop();
  await vi.waitFor(() => expect(lines).toHaveLength(2));
  expect(lines[0]).toMatchObject({ msg: 'memory', storeEngineMiB: 3, idIndexMiB: 0.5 });
  expect(lines[1].msg).toBe('memory');
  expect(lines[1]).not.toHaveProperty('storeEngineMiB');
  expect(lines[1].rssMiB).toBeGreaterThan(0);
});
