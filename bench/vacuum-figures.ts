/**
 * The DuckDB file's size through retention and vacuum: seeds demo traffic over 90 days, applies a raw retention of
 * 30 days (two thirds of the events expire; rollup tiers at their defaults), then gives the space back offline
 * (`tokenscope vacuum`'s function) and, on a copy, online (TOKENSCOPE_DUCKDB_VACUUM=40%, inside the sweep).
 * `node --import tsx bench/vacuum-figures.ts --events 1000000`
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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
const retention = readRetention({ TOKENSCOPE_RAW_RETENTION: '30d' });
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-vacuum-figures-'));
const offline = join(dir, 'offline.duckdb');
const online = join(dir, 'online.duckdb');
const logger = createLogger('warn');
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

try {
  let store = await openDuckDBStore({ path: offline, logger });
  const seeded = await seedDemo(store, { days: DAYS, now: end, eventsPerMinute: events / (DAYS * 1440) });
  await store.close();
  const full = statSync(offline).size;
  copyFileSync(offline, online);

  store = await openDuckDBStore({ path: offline, logger, retention, now: () => end });
  await store.applyRetention!();
  await store.close();
  const afterRetention = statSync(offline).size;
  let started = performance.now();
  const result = await compactDuckDBFile(offline);
  const offlineMs = performance.now() - started;

  store = await openDuckDBStore({ path: online, logger, retention, now: () => end, vacuumAtDeletedShare: 0.4 });
  started = performance.now();
  await store.applyRetention!();
  const sweepMs = performance.now() - started;
  await store.close();

  console.log(`${seeded.accepted} events over ${DAYS} days, raw retention 30d (two thirds expire), other tiers at their defaults`);
  console.log(`file after seeding             ${mib(full)}`);
  console.log(`after retention + checkpoint   ${mib(afterRetention)}`);
  console.log(
    `after tokenscope vacuum        ${mib(result.bytesAfter)} (${Math.round((1 - result.bytesAfter / afterRetention) * 100)}% smaller; ${result.rows} rows copied and checked in ${seconds(offlineMs)})`,
  );
  console.log(
    `online: retention + vacuum     ${mib(statSync(online).size)} (the sweep, copy and swap took ${seconds(sweepMs)}; writes waited meanwhile, reads went on)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
