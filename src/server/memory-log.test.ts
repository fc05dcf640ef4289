import { Writable } from 'node:stream';
import { afterEach, expect, test, vi } from 'vitest';
import { createLogger } from './logger';
import { logMemory } from './memory-log';

/** A logger at `level` whose lines land in `lines`. */
function capturing(level: string, lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return createLogger(level, sink);
}

afterEach(() => {
  vi.useRealTimers();
});

test('at debug level the memory is logged every interval, each figure a positive number of MiB', async () => {
  vi.useFakeTimers();
  const lines: Record<string, unknown>[] = [];
  const stop = logMemory(capturing('debug', lines), 1000);
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
  const lines: Record<string, unknown>[] = [];
  logMemory(capturing('info', lines), 1000);
  vi.advanceTimersByTime(5000);
  expect(lines).toEqual([]);
});
