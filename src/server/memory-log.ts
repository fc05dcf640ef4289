/**
 * At debug level, the process's memory every few seconds: resident set and its peak, V8's heap, memory held outside
 * it, and what an embedded store holds of it.
 */
import type { Logger } from 'pino';
import type { StoreMemory } from './storage/engine';

const MIB = 2 ** 20;

/** How often the figures are logged, in ms. */
export const MEMORY_LOG_MS = 5000;

const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;

/** The process's memory, in MiB rounded to one decimal. */
export function memoryFigures(): Record<string, number> {
  const m = process.memoryUsage();
  return {
    rssMiB: mib(m.rss),
    // maxRSS is in KiB.
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    // Native memory that JavaScript objects hold; among it ArrayBuffers, which hold request bodies as they are read
    // and the id index's tables. DuckDB's own memory is in none of these.
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
  };
}

/**
 * Logs the figures every `everyMs` while the logger is at debug level, with the store's own (`storeMemory`, when
 * the store runs in this process); returns the function that stops it.
 */
export function logMemory(logger: Logger, storeMemory?: () => Promise<StoreMemory>, everyMs = MEMORY_LOG_MS): () => void {
  if (!logger.isLevelEnabled('debug')) return () => {};
  const log = async () => {
    const figures = memoryFigures();
    // A store that cannot answer now (closing, reopening) leaves its figures out of this line only.
    const store = await storeMemory?.().catch(() => null);
    const stored = store ? { storeEngineMiB: mib(store.engineBytes), idIndexMiB: mib(store.idIndexBytes) } : {};
    logger.debug({ ...figures, ...stored }, 'memory');
  };
  const timer = setInterval(() => void log(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
