/**
 * Backend benchmark: ingest through HTTP NDJSON (durable) and 30-day ranking / hourly-trend latency, each
 * beside the same work done by DuckDB directly in the same run (its appender; a GROUP BY over the raw
 * events), printed as ratios. With `--engine clickhouse` the same events also go to a backend on ClickHouse (a
 * server of its own), beside ClickHouse's own GROUP BY over its raw table and beside the DuckDB engine. The OTLP
 * leg sends the same events (at most --otlp-spans of them) as OTLP protobuf spans to POST /v1/traces of a fresh
 * backend, beside the native NDJSON rate.
 * With `--movers-calls`, also times a movers query (the last 15 days against the 15 before) beside a ranking of
 * the same 15 days, and the 20 largest calls of the 30 days.
 * Usage: npm run bench [-- --events 1000000,10000000 --concurrency 4 --batch 20000 --engine clickhouse --movers-calls --otlp-spans 1000000]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnServer, type ServerProcess } from '../test/support/server-process';
import { demoEventBatches, type DemoEvent } from '../src/server/demo/demo-traffic';
import { startClickHouseLeg } from './clickhouse-leg';
import { measureNative, measureOtlp, ndjsonWithSpanIds, otlpBodies } from './otlp-leg';
import { openRawBaseline } from './raw-baseline';

const DAY = 86_400_000;
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000,10000000' },
    concurrency: { type: 'string', default: '4' },
    batch: { type: 'string', default: '20000' },
    repeats: { type: 'string', default: '30' },
    engine: { type: 'string', default: 'duckdb' },
    'otlp-spans': { type: 'string', default: '1000000' },
    'movers-calls': { type: 'boolean', default: false },
  },
});
if (args.engine !== 'duckdb' && args.engine !== 'clickhouse')
  throw new Error(`--engine: '${args.engine}' is not an engine; use duckdb (default) or clickhouse`);
const sizes = args.events.split(',').map(Number);
const concurrency = Number(args.concurrency);
const batchSize = Number(args.batch);
const repeats = Number(args.repeats);
const otlpSpans = Number(args['otlp-spans']);

interface Figures {
  events: number;
  ingestPerSec: number;
  appenderPerSec: number;
  /** The OTLP leg: spans sent, spans/s through POST /v1/traces (protobuf), and the same events as NDJSON with the spans' ids. */
  otlp: { spans: number; perSec: number; nativeSameIdsPerSec: number };
  ranking: Latency;
  trend: Latency;
  /** The same ranking and trend asked for cost metrics instead of token metrics. */
  costRanking: Latency;
  costTrend: Latency;
  /** With --movers-calls. */
  abnormal?: Abnormal;
  rawRanking: Latency;
  rawTrend: Latency;
  /** With --engine clickhouse: the backend on ClickHouse, and ClickHouse's own GROUP BY over its raw table. */
  clickhouse?: { ingestPerSec: number; ranking: Latency; trend: Latency; abnormal?: Abnormal; rawRanking: Latency; rawTrend: Latency };
}
/** Movers beside a ranking of the same range, and the largest calls. */
interface Abnormal {
  ranking15d: Latency;
  movers15d: Latency;
  calls30d: Latency;
}
interface Latency {
  p50: number;
  p99: number;
}

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

async function timeRepeated(run: () => Promise<unknown>): Promise<Latency> {
  await run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return latency(samples);
}

/** Two queries timed in alternation, so load that comes and goes on the machine weighs on both alike. */
async function timePaired(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[Latency, Latency]> {
  await a();
  await b();
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < repeats; i++) {
    for (const [k, run] of [a, b].entries()) {
      const started = performance.now();
      await run();
      samples[k].push(performance.now() - started);
    }
  }
  return [latency(samples[0]), latency(samples[1])];
}

async function benchmark(events: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-bench-'));
  const to = Math.floor(Date.now() / 60_000) * 60_000;
  const from = to - 30 * DAY;
  const traffic = { from, to, eventsPerMinute: events / (30 * 24 * 60), seed: 7 };
  try {
    process.stdout.write(`\n${events.toLocaleString('en-US')} events over 30 days: generating… `);
    const bodies: Buffer[] = [];
    let generated = 0;
    for (const batch of demoEventBatches(traffic, batchSize)) {
      bodies.push(Buffer.from(batch.map((e) => JSON.stringify(e)).join('\n') + '\n'));
      generated += batch.length;
    }
    console.log(`${generated.toLocaleString('en-US')} events, ${(bodies.reduce((n, b) => n + b.length, 0) / 1e6).toFixed(0)} MB NDJSON`);

    const range = { from, to, timezone: 'UTC' };
    const server = await spawnServer(['--db', join(dir, 'tokenscope.duckdb')], { TOKENSCOPE_LOG_LEVEL: 'info' });
    const { ingestPerSec, ranking, trend, costRanking, costTrend, abnormal } = await measureBackend(server, bodies, generated, range);
    let clickhouse: Figures['clickhouse'];
    if (args.engine === 'clickhouse') {
      const leg = await startClickHouseLeg();
      try {
        const onClickHouse = await spawnServer([], { TOKENSCOPE_STORE: leg.storeUrl, TOKENSCOPE_LOG_LEVEL: 'info' });
        const measured = await measureBackend(onClickHouse, bodies, generated, range, [leg.pid]);
        clickhouse = {
          ...measured,
          rawRanking: await timeRepeated(() => leg.rawRanking(from, to)),
          rawTrend: await timeRepeated(() => leg.rawHourlyTrend(from, to)),
        };
      } finally {
        await leg.stop();
      }
    }
    bodies.length = 0;

    // OTLP: the same events as GenAI spans, into a fresh backend.
    process.stdout.write('OTLP leg: encoding spans… ');
    const otlp = otlpBodies(demoEventBatches(traffic, batchSize), otlpSpans);
    console.log(`${otlp.spans.toLocaleString('en-US')} spans, ${(otlp.bodies.reduce((n, b) => n + b.length, 0) / 1e6).toFixed(0)} MB protobuf`);
    const otlpServer = await spawnServer(['--db', join(dir, 'otlp.duckdb')], { TOKENSCOPE_LOG_LEVEL: 'info' });
    const otlpPerSec = await measureOtlp(otlpServer, otlp.bodies, otlp.spans, concurrency, range);
    await otlpServer.kill('SIGTERM');
    otlp.bodies.length = 0;
    const sameIds = ndjsonWithSpanIds(demoEventBatches(traffic, batchSize), otlpSpans);
    const sameIdsServer = await spawnServer(['--db', join(dir, 'same-ids.duckdb')], { TOKENSCOPE_LOG_LEVEL: 'info' });
    const nativeSameIdsPerSec = await measureNative(sameIdsServer, sameIds.bodies, sameIds.events, concurrency);
    await sameIdsServer.kill('SIGTERM');
    sameIds.bodies.length = 0;

    // Baseline: DuckDB by itself, the same events appended to one raw table, GROUP BY over it.
    const raw = await openRawBaseline(join(dir, 'raw.duckdb'));
    const appendSeconds = await raw.append(demoEventBatches(traffic, batchSize) as Generator<DemoEvent[]>);
    const rawRanking = await timeRepeated(() => raw.ranking(from, to));
    const rawTrend = await timeRepeated(() => raw.hourlyTrend(from, to));
    raw.close();

    return {
      events: generated,
      ingestPerSec,
      appenderPerSec: generated / appendSeconds,
      otlp: { spans: otlp.spans, perSec: otlpPerSec, nativeSameIdsPerSec },
      ranking,
      trend,
      costRanking,
      costTrend,
      abnormal,
      rawRanking,
      rawTrend,
      clickhouse,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Tokenscope: HTTP NDJSON into a running backend, `concurrency` requests in flight; then the two queries. Stops it. */
async function measureBackend(
  server: ServerProcess,
  bodies: readonly Buffer[],
  generated: number,
  range: { from: number; to: number; timezone: string },
  /** Other processes that merge in the background (a ClickHouse server) and must go quiet too. */
  alsoWaitFor: number[] = [],
) {
  const ingestStarted = performance.now();
  let next = 0;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const res = await fetch(`${server.url}/api/v1/usage`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: new Uint8Array(body),
        });
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
        accepted += ((await res.json()) as { accepted: number }).accepted;
      }
    }),
  );
  const ingestSeconds = (performance.now() - ingestStarted) / 1000;
  if (accepted !== generated) throw new Error(`server accepted ${accepted} of ${generated} events`);
  // Queries are timed in steady state: once the server has merged its rollups, as it does whenever ingest pauses.
  for (const pid of [server.child.pid!, ...alsoWaitFor]) await waitUntilIdle(pid);

  const query = (body: object) => async () => {
    const res = await fetch(`${server.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`query answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  // Each query beside the same query for money (three cost metrics ranked by cost; the hourly cost trend).
  const [ranking, costRanking] = await timePaired(
    query({ ...range, type: 'ranking', dimension: 'model', limit: 10, metrics: ['total_tokens', 'input_tokens', 'output_tokens'] }),
    query({ ...range, type: 'ranking', dimension: 'model', limit: 10, metrics: ['cost', 'input_cost', 'output_cost'] }),
  );
  const [trend, costTrend] = await timePaired(
    query({ ...range, type: 'trend', granularity: '1h', dimension: 'model', limit: 10, metrics: ['total_tokens'] }),
    query({ ...range, type: 'trend', granularity: '1h', dimension: 'model', limit: 10, metrics: ['cost'] }),
  );
  let abnormal: Abnormal | undefined;
  if (args['movers-calls']) {
    // Both halves of the 30 days hold traffic, so the movers query reads as much as two rankings of 15 days.
    const half = { ...range, from: range.to - 15 * DAY };
    abnormal = {
      ranking15d: await timeRepeated(query({ ...half, type: 'ranking', dimension: 'api_key', limit: 10, metrics: ['total_tokens'] })),
      movers15d: await timeRepeated(query({ ...half, type: 'movers', dimension: 'api_key', limit: 10, metrics: ['total_tokens'] })),
      calls30d: await timeRepeated(query({ ...range, type: 'calls', limit: 20 })),
    };
  }
  await server.kill('SIGTERM');
  return { ingestPerSec: generated / ingestSeconds, ranking, trend, costRanking, costTrend, abnormal };
}

function report(f: Figures): void {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const rows: [string, string, string, string][] = [
    ['ingest (events/s)', n(f.ingestPerSec), n(f.appenderPerSec), `${(f.ingestPerSec / f.appenderPerSec).toFixed(2)}× of appender`],
    [`OTLP ingest (spans/s, ${n(f.otlp.spans)})`, n(f.otlp.perSec), n(f.ingestPerSec), `${(f.otlp.perSec / f.ingestPerSec).toFixed(2)}× of native ingest`],
    ['  same events, span ids, NDJSON', n(f.otlp.perSec), n(f.otlp.nativeSameIdsPerSec), `${(f.otlp.perSec / f.otlp.nativeSameIdsPerSec).toFixed(2)}× of native with the same ids`],
    ['30-day ranking p50', ms(f.ranking.p50), ms(f.rawRanking.p50), `${(f.rawRanking.p50 / f.ranking.p50).toFixed(1)}× faster`],
    ['30-day ranking p99', ms(f.ranking.p99), ms(f.rawRanking.p99), `${(f.rawRanking.p99 / f.ranking.p99).toFixed(1)}× faster`],
    ['30-day hourly trend p50', ms(f.trend.p50), ms(f.rawTrend.p50), `${(f.rawTrend.p50 / f.trend.p50).toFixed(1)}× faster`],
    ['30-day hourly trend p99', ms(f.trend.p99), ms(f.rawTrend.p99), `${(f.rawTrend.p99 / f.trend.p99).toFixed(1)}× faster`],
  ];
  console.log(`\n${n(f.events)} events            tokenscope (HTTP)     duckdb direct       ratio`);
  for (const [what, ours, base, ratio] of rows) console.log(`  ${what.padEnd(26)}${ours.padStart(14)}${base.padStart(18)}     ${ratio}`);
  const targets = [
    ['ingest ≥ 100,000 events/s', f.ingestPerSec >= 100_000],
    ['OTLP spans/s ≥ 0.5× native events/s', f.otlp.perSec / f.ingestPerSec >= 0.5],
    ['OTLP spans/s ≥ 0.5× native events/s with the same ids', f.otlp.perSec / f.otlp.nativeSameIdsPerSec >= 0.5],
    ['ranking and trend p50 ≤ 50 ms', f.ranking.p50 <= 50 && f.trend.p50 <= 50],
    ['ranking and trend ≥ 5× faster than the raw GROUP BY', f.rawRanking.p50 / f.ranking.p50 >= 5 && f.rawTrend.p50 / f.trend.p50 >= 5],
  ] as const;
  for (const [target, met] of targets) console.log(`  ${met ? 'met    ' : 'MISSED '} ${target}`);
  const costRows: [string, Latency, Latency][] = [
    ['30-day ranking', f.costRanking, f.ranking],
    ['30-day hourly trend', f.costTrend, f.trend],
  ];
  console.log(`\n${n(f.events)} events            cost metrics        token metrics       ratio`);
  for (const [what, cost, tokens] of costRows) {
    for (const q of ['p50', 'p99'] as const) console.log(`  ${`${what} ${q}`.padEnd(26)}${ms(cost[q]).padStart(14)}${ms(tokens[q]).padStart(18)}     ${(cost[q] / tokens[q]).toFixed(2)}×`);
  }
  const within = costRows.every(([, cost, tokens]) => cost.p50 <= 1.2 * tokens.p50);
  console.log(`  ${within ? 'met    ' : 'MISSED '} cost queries p50 within 1.2× of the token queries`);
  if (f.abnormal) reportAbnormal('duckdb engine', f.events, f.abnormal);
  if (f.clickhouse?.abnormal) reportAbnormal('clickhouse engine', f.events, f.clickhouse.abnormal);
  const c = f.clickhouse;
  if (!c) return;
  // Columns: ClickHouse engine, ClickHouse's own GROUP BY, ratio, and the ClickHouse engine's speed relative to DuckDB's.
  const row = (what: string, ours: number, raw: number, duck: number) => [
    what,
    ms(ours),
    ms(raw),
    `${(raw / ours).toFixed(1)}× faster`,
    `${(duck / ours).toFixed(2)}×`,
  ];
  const chRows = [
    ['ingest (events/s)', n(c.ingestPerSec), '', '', `${(c.ingestPerSec / f.ingestPerSec).toFixed(2)}×`],
    row('30-day ranking p50', c.ranking.p50, c.rawRanking.p50, f.ranking.p50),
    row('30-day ranking p99', c.ranking.p99, c.rawRanking.p99, f.ranking.p99),
    row('30-day hourly trend p50', c.trend.p50, c.rawTrend.p50, f.trend.p50),
    row('30-day hourly trend p99', c.trend.p99, c.rawTrend.p99, f.trend.p99),
  ];
  console.log(`\n${n(f.events)} events            tokenscope on clickhouse  clickhouse GROUP BY   ratio          speed vs duckdb engine`);
  for (const [what, ours, base, ratio, vsDuck] of chRows)
    console.log(`  ${what.padEnd(26)}${ours.padStart(14)}${base.padStart(18)}     ${ratio.padEnd(15)}${vsDuck}`);
}

/** Movers beside the ranking of the same range, and the largest calls, against their targets. */
function reportAbnormal(engine: string, events: number, a: Abnormal): void {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`\n${events.toLocaleString('en-US')} events, ${engine}      p50           p99          ratio`);
  console.log(`  ${'15-day ranking by key'.padEnd(26)}${ms(a.ranking15d.p50).padStart(10)}${ms(a.ranking15d.p99).padStart(14)}`);
  console.log(
    `  ${'15-day movers by key'.padEnd(26)}${ms(a.movers15d.p50).padStart(10)}${ms(a.movers15d.p99).padStart(14)}     ${(a.movers15d.p50 / a.ranking15d.p50).toFixed(2)}× the ranking`,
  );
  console.log(`  ${'30-day largest 20 calls'.padEnd(26)}${ms(a.calls30d.p50).padStart(10)}${ms(a.calls30d.p99).padStart(14)}`);
  const targets = [
    ['movers p50 within 2× of the ranking', a.movers15d.p50 <= 2 * a.ranking15d.p50],
    ['largest calls p50 ≤ 100 ms over 30 days', a.calls30d.p50 <= 100],
  ] as const;
  for (const [target, met] of targets) console.log(`  ${met ? 'met    ' : 'MISSED '} ${target}`);
}

for (const size of sizes) report(await benchmark(size));

/** Waits until a process has used (almost) no CPU for two seconds, reading its CPU time from /proc. */
async function waitUntilIdle(pid: number): Promise<void> {
  const cpuTicks = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime, after the command name
  };
  await new Promise((r) => setTimeout(r, 2500));
  let quiet = 0;
  for (let last = cpuTicks(); quiet < 4; ) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuTicks();
    quiet = now - last <= 5 ? quiet + 1 : 0;
    last = now;
  }
}
