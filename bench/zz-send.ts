import { benchBatches, ndjsonBodies } from './bench-events';
import { send } from './dashboard-refresh';
const url = process.argv[2];
const N = Number(process.argv[3] ?? 1_000_000);
const to = Math.floor(Date.now() / 60000) * 60000;
const bodies = ndjsonBodies(benchBatches({ from: to - 30 * 86400000, to, events: N, order: (process.argv[4] ?? 'time') as 'time' }, 20000));
const t = performance.now(); let n = 0;
await Promise.all(Array.from({ length: 4 }, async () => { for (let b = bodies.next(); !b.done; b = bodies.next()) { const a = (await send(url, { method: 'POST', path: '/api/v1/usage', ndjson: b.value.body })) as { accepted: number }; n += a.accepted; } }));
console.log(n, 'events', Math.round(n / ((performance.now() - t) / 1000)), 'ev/s');
