/**
 * The DuckDB file's size through retention and `tokenscope vacuum`: seeds demo traffic over 90 days, applies a raw
 * retention of 30 days (two thirds of the events expire; rollup tiers at their defaults), then compacts the file.
 * `node --import tsx bench/vacuum-figures.ts --events 1000000`
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seedDemo } from '../src/server/demo/seed-demo';
import { createLogger } from '../src/server/logger';
import { readRetention } from '../src/server/retention-config';
import { compactDuckDBFile } from '../src/server/storage/duckdb/duckdb-compact-file';
import { openDuckDBStore } from '../src/server/storage/duckdb/duckdb-store';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const events = Number(values.events);
const DAYS = 90;
const end = Date.UTC(2026, 5, 30);
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-vacuum-figures-'));
const path = join(dir, 'tokenscope.duckdb');
const logger = createLogger('warn');
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const size = () => statSync(path).size;

try {
  let store = await openDuckDBStore({ path, logger });
  const seeded = await seedDemo(store, { days: DAYS, now: end, eventsPerMinute: events / (DAYS * 1440) });
  await store.close();
  const full = size();
  store = await openDuckDBStore({ path, logger, retention: readRetention({ TOKENSCOPE_RAW_RETENTION: '30d' }), now: () => end });
  await store.applyRetention!();
  await store.close();
  const afterRetention = size();
  const started = performance.now();
  const result = await compactDuckDBFile(path);
  const ms = performance.now() - started;
  console.log(`${seeded.accepted} events over ${DAYS} days, raw retention 30d (two thirds expire), other tiers at their defaults`);
  console.log(`file after seeding           ${mib(full)}`);
  console.log(`after retention + checkpoint ${mib(afterRetention)}`);
  console.log(
    `after tokenscope vacuum      ${mib(result.bytesAfter)} (${Math.round((1 - result.bytesAfter / afterRetention) * 100)}% smaller; ${result.rows} rows copied and checked in ${(ms / 1000).toFixed(1)} s)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
