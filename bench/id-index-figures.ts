/**
 * The id index through a bulk load in time order, without a database: the writer's calls to StoredIdIndex (load the
 * days a group needs, look each event up, add the stored ids, trim) for `--events` spread over 30 days in groups of
 * `--group`, the clock moving at `--rate` events/s. Prints, per memory cap, the most bytes held, the days loaded
 * from the store and the events whose days were not held (each of those is checked on disk by a join).
 * `node --import tsx bench/id-index-figures.ts --events 100000000 --caps 128,96,64`
 */
import { parseArgs } from 'node:util';
import { StoredIdIndex, windowDaysOf, type StoredIdSource } from '../src/server/storage/stored-id-index';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000000' },
    group: { type: 'string', default: '40000' },
    rate: { type: 'string', default: '76000' },
    caps: { type: 'string', default: '128,96,64' },
  },
});
const DAY = 86_400_000;
const events = Number(values.events);
const group = Number(values.group);
const rate = Number(values.rate);
const from = Date.UTC(2026, 0, 1);
const spacing = (30 * DAY) / events;

/** One bulk load against an index of `capMiB`; the store is a count of ids per day, its ids made up from the count. */
async function run(capMiB: number): Promise<{ maxMiB: number; loads: number; uncovered: number }> {
  let clock = 0;
  const index = new StoredIdIndex(capMiB * 2 ** 20, () => clock);
  const stored = new Map<number, number>();
  let loads = 0;
  const source: StoredIdSource = {
    countIds: async (days) => new Map(days.map((d) => [d, stored.get(d) ?? 0])),
    async forEachId(days, each) {
      for (const d of days) {
        loads++;
        for (let i = 0; i < (stored.get(d) ?? 0); i++) each(d, `e${d}-${i}`);
      }
    },
  };
  let maxBytes = 0;
  let uncovered = 0;
  for (let start = 0; start < events; start += group) {
    const n = Math.min(group, events - start);
    const ts = (i: number) => from + Math.floor((start + i) * spacing);
    await index.load(windowDaysOf(Array.from({ length: n }, (_, i) => ts(i))), source);
    for (let i = 0; i < n; i++) {
      const t = ts(i);
      if (!index.covers(t)) uncovered++;
      const day = Math.floor(t / DAY);
      const k = stored.get(day) ?? 0;
      stored.set(day, k + 1);
      index.add(`e${day}-${k}`, t);
    }
    index.trim();
    maxBytes = Math.max(maxBytes, index.bytes);
    clock += (n / rate) * 1000;
  }
  return { maxMiB: maxBytes / 2 ** 20, loads, uncovered };
}

console.log(`${events.toLocaleString('en-US')} events over 30 days in time order, groups of ${group.toLocaleString('en-US')}, ${rate.toLocaleString('en-US')} events/s`);
for (const cap of values.caps.split(',').map(Number)) {
  const sim = await run(cap);
  console.log(
    `  cap ${cap} MiB: at most ${sim.maxMiB.toFixed(1)} MiB held, ${sim.loads} days loaded, ${sim.uncovered.toLocaleString('en-US')} events (${((100 * sim.uncovered) / events).toFixed(2)}%) checked on disk`,
  );
}
