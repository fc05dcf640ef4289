/** A logger whose JSON lines a test reads back, parsed, in the order they were written. */
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../src/server/logger';

export type LogEntry = { msg?: string } & Record<string, unknown>;

/** A logger at `level` whose entries land in `entries`; `onEntry` sees each as it is written. */
export function capturedLog(level = 'debug', onEntry?: (entry: LogEntry) => void): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).trim().split('\n')) {
        const entry = JSON.parse(line) as LogEntry;
        entries.push(entry);
        onEntry?.(entry);
      }
      done();
    },
  });
  return { logger: createLogger(level, sink), entries };
}
