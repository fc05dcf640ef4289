/** At debug level, the process's memory every few seconds: resident set and its peak, V8's heap, memory held outside it. */
import type { Logger } from 'pino';

const MIB = 2 ** 20;

/** How often the figures are logged, in ms. */
export const MEMORY_LOG_MS = 5000;

/** The process's memory, in MiB rounded to one decimal. */
export function memoryFigures(): Record<string, number> {
  const m = process.memoryUsage();
  const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
  return {
    rssMiB: mib(m.rss),
    // maxRSS is in KiB.
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    // Native memory that JavaScript objects hold (ArrayBuffers among it); DuckDB's own is not in any of these.
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
  };
}

/** Logs the figures every `everyMs` while the logger is at debug level; returns the function that stops it. */
export function logMemory(logger: Logger, everyMs = MEMORY_LOG_MS): () => void {
  if (!logger.isLevelEnabled('debug')) return () => {};
  const timer = setInterval(() => logger.debug(memoryFigures(), 'memory'), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
