// Writer microbench: N events in random order into a fresh DuckDB store, groups of G, sequential.
import { pino } from 'pino';
import { rmSync, mkdirSync } from 'node:fs';
import { benchBatches } from './bench-events';
import { toStoredEvent } from '../src/server/ingest/event-schema';
import { openDuckDBStore } from '../src/server/storage/duckdb/duckdb-store';
const N = Number(process.argv[2] ?? 1_000_000);
const G = Number(process.argv[3] ?? 50_000);
const order = (process.argv[4] ?? 'random') as 'random' | 'time';
const dir = '/tmp/wb/db-' + process.pid; rmSync(dir, { recursive: true, force: true }); mkdirSync(dir);
const lines: any[] = [];
const logger = pino({ level: 'debug' }, { write: (s: string) => { const o = JSON.parse(s); if (o.msg === 'duckdb write') lines.push(o); } } as any);
const store = await openDuckDBStore({ path: dir + '/t.duckdb', logger, memoryLimit: process.env.ML, checkpointThreshold: process.env.CT });
const to = Math.floor(Date.now() / 60000) * 60000;
let t = 0, n = 0;
for (const batch of benchBatches({ from: to - 30 * 86400000, to, events: N, order }, G)) {
  const events = batch.map((e) => (toStoredEvent(e) as any).event);
  const s = performance.now();
  await store.ingest(events);
  t += performance.now() - s; n += events.length;
}
await store.close();
const steps: Record<string, number> = {};
for (const l of lines) for (const [k, v] of Object.entries(l.steps ?? {})) steps[k] = (steps[k] ?? 0) + (v as number);
console.log(`${n} events, ${Math.round(n / (t / 1000))} ev/s writer-only, ${Math.round(t)} ms`, JSON.stringify(steps));
rmSync(dir, { recursive: true, force: true });
import { readFileSync } from 'node:fs';
console.log('VmHWM MiB', Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024), 'mem', JSON.stringify(Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 2 ** 20)]))));
