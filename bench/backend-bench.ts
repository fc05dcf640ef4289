/**
 * Backend benchmark. Legs, each runnable alone on a kept database folder (`--db <dir> --only <leg>`):
 * - ingest: events generated as they are sent, HTTP NDJSON into a backend child process (durable), beside
 *   DuckDB's own appender; then the queries at once ("right after the load") and the bytes on disk per event.
 * - query: the 30-day ranking and hourly trend at rest, beside DuckDB's GROUP BY over the same raw events, and a
 *   full refresh of each dashboard (every variable and panel request, built by the plugin, sent concurrently).
 * - load (`--load`, alone): 8 ingest + 8 dashboard-shaped query clients, each its own process.
 * The query leg also times the ranking and trend for cost metrics beside the token ones (paired, so machine load
 * weighs on both alike), and with `--movers-calls` a 15-day movers query beside a ranking of the same 15 days and
 * the 20 largest calls of the 30 days.
 * - otlp: the same events (at most --otlp-spans, default 1M) as OTLP protobuf spans to POST /v1/traces of a fresh
 *   backend, beside the same events as NDJSON carrying the spans' ids.
 * Every leg prints the server's peak RSS (VmHWM). With `--engine clickhouse` the ingest and query legs run on a
 * ClickHouse server of their own, beside ClickHouse's GROUP BY over its raw table.
 * - raw (`--only raw`, with the ingest leg's --events): the raw baseline again, after an ingest leg on the folder.
 * Usage: npm run bench [-- --events 1000000 --order random --db /tmp/b --only ingest|raw|query|otlp --engine clickhouse --server-log f]
 *        npm run bench -- --load [--seconds 60]; add --movers-calls to the query leg
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnServer, type ServerProcess } from '../test/support/server-process';
import { benchBatches, ndjsonBodies, type BenchTraffic, type EventOrder } from './bench-events';
import { startClickHouseLeg, type ClickHouseLeg } from './clickhouse-leg';
import { dashboardRefreshes, send } from './dashboard-refresh';
import { measureNative, measureOtlp, ndjsonWithSpanIds, otlpBodies } from './otlp-leg';
import { openRawBaseline } from './raw-baseline';

const DAY = 86_400_000;
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '4' },
    batch: { type: 'string', default: '20000' },
    repeats: { type: 'string', default: '30' },
    engine: { type: 'string', default: 'duckdb' },
    order: { type: 'string', default: 'time' },
    db: { type: 'string' },
    only: { type: 'string' },
    load: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '60' },
    'movers-calls': { type: 'boolean', default: false },
    'otlp-spans': { type: 'string', default: '1000000' },
    'server-log': { type: 'string' },
    'server-cpu-prof': { type: 'string' },
  },
});
if (args.engine !== 'duckdb' && args.engine !== 'clickhouse')
  throw new Error(`--engine: '${args.engine}' is not an engine; use duckdb (default) or clickhouse`);
if (args.order !== 'time' && args.order !== 'random') throw new Error(`--order: '${args.order}' is not an order; use time (default) or random`);
if (args.only && !['ingest', 'raw', 'query', 'otlp', 'load'].includes(args.only))
  throw new Error(`--only: '${args.only}' is not a leg; use ingest, raw, query, otlp or load`);
const events = Number(args.events);
const concurrency = Number(args.concurrency);
const batchSize = Number(args.batch);
const repeats = Number(args.repeats);
const order = args.order as EventOrder;
// spawnServer waits for the 'listening' line, which is logged at info; with --server-log the ingest and load legs'
// server logs at debug (each write's steps in ms) into that file.
// --server-cpu-prof DIR: the servers write V8 CPU profiles of their main thread there when they stop.
// The servers run as the Docker image and `npm run serve` run them: glibc's arenas limited to two and V8's young
// generation to 4 MiB semi-spaces, and one V8 background thread (see Dockerfile).
const SERVER_ENV = {
  MALLOC_ARENA_MAX: '2',
  NODE_OPTIONS: [
    '--max-semi-space-size=4',
    '--v8-pool-size=1',
    ...(args['server-cpu-prof'] ? [`--import=${join(import.meta.dirname, 'cpu-profile.mjs')}`] : []),
  ].join(' '),
  TOKENSCOPE_LOG_LEVEL: args['server-log'] ? 'debug' : 'info',
  ...(args['server-cpu-prof'] ? { TOKENSCOPE_BENCH_CPU_PROFILE_DIR: args['server-cpu-prof'] } : {}),
};

interface Latency {
  p50: number;
  p99: number;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(1)} ms`;

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

async function timeRepeated(run: () => Promise<unknown>, times = repeats): Promise<Latency> {
  await run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
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

/** CPU time, user + system, of a process (all its threads) or with `thread` of one thread, in clock ticks (1/100 s on Linux). */
function cpuTicksOf(pid: number, thread?: number): number {
  const stat = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  const fields = readFileSync(stat, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, after the command name
}

/** CPU time spent from now until the returned function is called: the server's (and its main thread's) and ours. */
function cpuMeter(serverPid: number): () => { server: number; serverMain: number; client: number } {
  const start = { server: cpuTicksOf(serverPid), serverMain: cpuTicksOf(serverPid, serverPid), client: process.cpuUsage() };
  return () => {
    const client = process.cpuUsage(start.client);
    return {
      server: (cpuTicksOf(serverPid) - start.server) / 100,
      serverMain: (cpuTicksOf(serverPid, serverPid) - start.serverMain) / 100,
      client: (client.user + client.system) / 1e6,
    };
  };
}

/** The server's peak resident set (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);
}

/** Bytes of the files whose names start with `prefix` in `dir` (the database and its write-ahead log). */
function bytesOnDisk(dir: string, prefix: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** What the ingest leg leaves for the query leg in the database folder. */
interface Manifest {
  events: number;
  from: number;
  to: number;
  order: EventOrder;
}

const dir = args.db ?? mkdtempSync(join(tmpdir(), 'tokenscope-bench-'));
mkdirSync(dir, { recursive: true });
const manifestPath = join(dir, 'bench.json');
const backendDb = join(dir, 'tokenscope.duckdb');

const rankingQuery = (range: { from: number; to: number }) => ({
  ...range,
  timezone: 'UTC',
  type: 'ranking',
  dimension: 'model',
  limit: 10,
  metrics: ['total_tokens', 'input_tokens', 'output_tokens'],
});
const trendQuery = (range: { from: number; to: number }) => ({
  ...range,
  timezone: 'UTC',
  type: 'trend',
  granularity: '1h',
  dimension: 'model',
  limit: 10,
  metrics: ['total_tokens'],
});
const query = (server: ServerProcess, body: object) => () => send(server.url, { method: 'POST', path: '/api/v1/query', body });

/** Ingest leg: streamed NDJSON into a fresh backend, queries right after, bytes per event; then DuckDB's appender. */
async function ingestLeg(leg: ClickHouseLeg | null): Promise<void> {
  const to = Math.floor(Date.now() / 60_000) * 60_000;
  const traffic: BenchTraffic = { from: to - 30 * DAY, to, events, order };
  if (!leg && existsSync(backendDb)) throw new Error(`${backendDb} exists already; the ingest leg needs a fresh --db folder`);
  const server = await spawnServer(leg ? [] : ['--db', backendDb], leg ? { ...SERVER_ENV, TOKENSCOPE_STORE: leg.storeUrl } : SERVER_ENV);
  console.log(`\n${n(events)} events over 30 days in ${order} order → ${args.engine} (${dir})`);
  const bodies = ndjsonBodies(benchBatches(traffic, batchSize));
  let accepted = 0;
  let sent = 0;
  const started = performance.now();
  let lastReport = started;
  const cpu = cpuMeter(server.child.pid!);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = bodies.next(); !next.done; next = bodies.next()) {
        sent += next.value.events;
        const answer = (await send(server.url, { method: 'POST', path: '/api/v1/usage', ndjson: next.value.body })) as { accepted: number };
        accepted += answer.accepted;
        if (performance.now() - lastReport > 30_000) {
          lastReport = performance.now();
          console.log(
            `  … ${n(accepted)} events, ${n(accepted / ((lastReport - started) / 1000))} events/s, server RSS peak ${peakRssMiB(server.child.pid!)} MiB`,
          );
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpu();
  if (accepted !== sent) throw new Error(`server accepted ${accepted} of ${sent} events`);
  writeFileSync(manifestPath, JSON.stringify({ events: sent, from: traffic.from, to: traffic.to, order } satisfies Manifest));
  // Right after the load, without waiting for merges: a few samples only (they change as merges go on).
  const range = { from: traffic.from, to: traffic.to };
  const rankingAfter = await timeRepeated(query(server, rankingQuery(range)), 5);
  const trendAfter = await timeRepeated(query(server, trendQuery(range)), 5);
  const peakIngest = peakRssMiB(server.child.pid!);
  for (const pid of [server.child.pid!, ...(leg ? [leg.pid] : [])]) await waitUntilIdle(pid);
  const rankingRest = await timeRepeated(query(server, rankingQuery(range)), 5);
  const trendRest = await timeRepeated(query(server, trendQuery(range)), 5);
  await server.kill('SIGTERM');
  if (args['server-log']) writeFileSync(args['server-log'], server.output());
  console.log(
    `  ingest through HTTP: ${n(sent / seconds)} events/s (${seconds.toFixed(0)} s, ${concurrency} clients, batches of ${n(batchSize)}), all ${n(accepted)} acknowledged`,
  );
  // What the machine's cores went to: at N events/s the server and this client need N × (their µs per event) of CPU
  // (on ClickHouse its server's CPU is not counted, so the line is left out).
  const perEvent = (s: number) => `${((s * 1e6) / sent).toFixed(1)} µs`;
  if (!leg)
    console.log(
      `  CPU per event while ingesting: server ${perEvent(cpuSeconds.server)} (its main thread ${perEvent(cpuSeconds.serverMain)}), this client generating and sending ${perEvent(cpuSeconds.client)}; ${((cpuSeconds.server + cpuSeconds.client) / seconds).toFixed(2)} of ${availableParallelism()} cores busy`,
    );
  if (!leg) console.log(`  bytes on disk: ${(bytesOnDisk(dir, 'tokenscope.duckdb') / sent).toFixed(1)} per event`);
  console.log(`  server peak RSS (VmHWM) while ingesting: ${peakIngest} MiB`);
  console.log(
    `  right after the load vs at rest (p50): ranking ${ms(rankingAfter.p50)} vs ${ms(rankingRest.p50)} (${(rankingAfter.p50 / rankingRest.p50).toFixed(2)}×), hourly trend ${ms(trendAfter.p50)} vs ${ms(trendRest.p50)} (${(trendAfter.p50 / trendRest.p50).toFixed(2)}×)`,
  );

  if (leg) return;
  const appendPerSec = await rawLeg(traffic, sent);
  console.log(`  → ours ${(sent / seconds / appendPerSec).toFixed(2)}× of DuckDB's appender`);
}

/** The raw baseline: the same events appended by DuckDB's appender to one table (also alone: `--only raw`). */
async function rawLeg(traffic: BenchTraffic, sent: number): Promise<number> {
  rmSync(join(dir, 'raw.duckdb'), { force: true });
  rmSync(join(dir, 'raw.duckdb.wal'), { force: true });
  const raw = await openRawBaseline(join(dir, 'raw.duckdb'));
  const appendSeconds = await raw.append(benchBatches({ ...traffic, order: 'time' }, batchSize));
  const rows = await raw.count();
  raw.close();
  if (rows !== sent) throw new Error(`the raw table holds ${rows} events, the backend was sent ${sent}: rerun with the ingest leg's --events`);
  console.log(
    `  DuckDB's appender alone: ${n(sent / appendSeconds)} events/s; raw table ${(bytesOnDisk(dir, 'raw.duckdb') / sent).toFixed(1)} bytes per event`,
  );
  return sent / appendSeconds;
}

/** Query leg: at rest, beside the raw GROUP BY, and the dashboards' full refreshes. */
async function queryLeg(leg: ClickHouseLeg | null): Promise<void> {
  if (!existsSync(manifestPath)) throw new Error(`${manifestPath} is missing: run the ingest leg on this --db folder first`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const range = { from: manifest.from, to: manifest.to };
  const server = await spawnServer(leg ? [] : ['--db', backendDb], leg ? { ...SERVER_ENV, TOKENSCOPE_STORE: leg.storeUrl } : SERVER_ENV);
  for (const pid of [server.child.pid!, ...(leg ? [leg.pid] : [])]) await waitUntilIdle(pid);
  // Each query beside the same query for money (three cost metrics ranked by cost; the hourly cost trend).
  const [ranking, costRanking] = await timePaired(
    query(server, rankingQuery(range)),
    query(server, { ...rankingQuery(range), metrics: ['cost', 'input_cost', 'output_cost'] }),
  );
  const [trend, costTrend] = await timePaired(query(server, trendQuery(range)), query(server, { ...trendQuery(range), metrics: ['cost'] }));
  let abnormal: { ranking15d: Latency; movers15d: Latency; calls30d: Latency } | undefined;
  if (args['movers-calls']) {
    // Both halves of the 30 days hold traffic, so the movers query reads as much as two rankings of 15 days.
    const half = { ...range, timezone: 'UTC', from: range.to - 15 * DAY };
    abnormal = {
      ranking15d: await timeRepeated(query(server, { ...half, type: 'ranking', dimension: 'api_key', limit: 10, metrics: ['total_tokens'] })),
      movers15d: await timeRepeated(query(server, { ...half, type: 'movers', dimension: 'api_key', limit: 10, metrics: ['total_tokens'] })),
      calls30d: await timeRepeated(query(server, { ...range, timezone: 'UTC', type: 'calls', limit: 20 })),
    };
  }
  const refreshes = [];
  for (const dashboard of dashboardRefreshes(manifest.to)) {
    const time = await timeRepeated(() => Promise.all(dashboard.requests.map((r) => send(server.url, r))), Math.min(repeats, 10));
    refreshes.push({ name: dashboard.name, requests: dashboard.requests.length, time });
  }
  const peak = peakRssMiB(server.child.pid!);
  await server.kill('SIGTERM');

  let rawRanking: Latency;
  let rawTrend: Latency;
  let baseline: string;
  if (leg) {
    rawRanking = await timeRepeated(() => leg.rawRanking(range.from, range.to));
    rawTrend = await timeRepeated(() => leg.rawHourlyTrend(range.from, range.to));
    baseline = 'clickhouse GROUP BY';
  } else {
    const raw = await openRawBaseline(join(dir, 'raw.duckdb'));
    rawRanking = await timeRepeated(() => raw.ranking(range.from, range.to));
    rawTrend = await timeRepeated(() => raw.hourlyTrend(range.from, range.to));
    raw.close();
    baseline = 'duckdb GROUP BY';
  }
  console.log(`\n${n(manifest.events)} events (loaded in ${manifest.order} order), at rest   tokenscope on ${args.engine}   ${baseline}   ratio`);
  const rows: [string, number, number][] = [
    ['30-day ranking p50', ranking.p50, rawRanking.p50],
    ['30-day ranking p99', ranking.p99, rawRanking.p99],
    ['30-day hourly trend p50', trend.p50, rawTrend.p50],
    ['30-day hourly trend p99', trend.p99, rawTrend.p99],
  ];
  for (const [what, ours, base] of rows)
    console.log(`  ${what.padEnd(26)}${ms(ours).padStart(12)}${ms(base).padStart(20)}     ${(base / ours).toFixed(1)}× faster`);
  for (const [what, cost, tokens] of [
    ['30-day ranking', costRanking, ranking],
    ['30-day hourly trend', costTrend, trend],
  ] as const) {
    console.log(
      `  ${what} for cost metrics p50 ${ms(cost.p50)}: ${(cost.p50 / tokens.p50).toFixed(2)}× the token metrics (${cost.p50 <= 1.2 * tokens.p50 ? 'met' : 'MISSED'}: within 1.2×)`,
    );
  }
  if (abnormal) {
    console.log(
      `  15-day ranking by key p50 ${ms(abnormal.ranking15d.p50)}; 15-day movers by key p50 ${ms(abnormal.movers15d.p50)} (${(abnormal.movers15d.p50 / abnormal.ranking15d.p50).toFixed(2)}× the ranking)`,
    );
    console.log(`  30-day largest 20 calls p50 ${ms(abnormal.calls30d.p50)}, p99 ${ms(abnormal.calls30d.p99)}`);
  }
  for (const r of refreshes) console.log(`  full refresh of ${r.name} (${r.requests} requests at once): p50 ${ms(r.time.p50)}, p99 ${ms(r.time.p99)}`);
  console.log(`  server peak RSS (VmHWM) while querying: ${peak} MiB`);
}

/** OTLP leg: spans through POST /v1/traces beside the same events as NDJSON with the spans' ids, each into a fresh backend. */
async function otlpLeg(): Promise<void> {
  const to = Math.floor(Date.now() / 60_000) * 60_000;
  const traffic: BenchTraffic = { from: to - 30 * DAY, to, events, order: 'time' };
  const maxSpans = Number(args['otlp-spans']);
  const otlp = otlpBodies(benchBatches(traffic, batchSize), maxSpans);
  const otlpServer = await spawnServer(['--db', join(dir, 'otlp.duckdb')], SERVER_ENV);
  const otlpPerSec = await measureOtlp(otlpServer, otlp.bodies, otlp.spans, concurrency, { from: traffic.from, to: traffic.to });
  await otlpServer.kill('SIGTERM');
  otlp.bodies.length = 0;
  const sameIds = ndjsonWithSpanIds(benchBatches(traffic, batchSize), maxSpans);
  const nativeServer = await spawnServer(['--db', join(dir, 'same-ids.duckdb')], SERVER_ENV);
  const nativePerSec = await measureNative(nativeServer, sameIds.bodies, sameIds.events, concurrency);
  await nativeServer.kill('SIGTERM');
  console.log(`
OTLP: ${n(otlp.spans)} spans at ${n(otlpPerSec)} spans/s; the same events as NDJSON with the spans' ids ${n(nativePerSec)} events/s`);
  console.log(
    `  ${otlpPerSec / nativePerSec >= 0.5 ? 'met    ' : 'MISSED '} OTLP spans/s ≥ 0.5× native events/s with the same ids (${(otlpPerSec / nativePerSec).toFixed(2)}×)`,
  );
}

/** Load leg: 8 ingest + 8 query clients in their own processes against a backend in its own. */
async function loadLeg(): Promise<void> {
  const seconds = Number(args.seconds);
  const server = await spawnServer(['--db', join(dir, 'load.duckdb')], SERVER_ENV);
  const client = (role: string, i: number) =>
    new Promise<{ role: string; acked: number; errors: string[]; ms: number[]; kinds: string[] }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(import.meta.dirname, 'load-client.ts'),
          '--role',
          role,
          '--url',
          server.url,
          '--seconds',
          String(seconds),
          '--client',
          String(i),
        ],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${role} client ${i} exited with ${code}`))));
    });
  console.log(`\nload: 8 ingest + 8 query clients (own processes) for ${seconds} s`);
  const results = await Promise.all([...Array.from({ length: 8 }, (_, i) => client('ingest', i)), ...Array.from({ length: 8 }, (_, i) => client('query', i))]);
  const acked = results.reduce((s, r) => s + r.acked, 0);
  const errors = results.flatMap((r) => r.errors);
  const counted = (await send(server.url, { method: 'GET', path: '/api/v1/health' })) as { events: number };
  const peak = peakRssMiB(server.child.pid!);
  const serverCpuSeconds = cpuTicksOf(server.child.pid!) / 100;
  await server.kill('SIGTERM');
  if (args['server-log']) writeFileSync(args['server-log'], server.output());
  const timed = results.filter((r) => r.role === 'query').flatMap((r) => r.ms.map((time, i) => ({ time, kind: r.kinds[i] })));
  const queries = latency(timed.map((t) => t.time));
  console.log(`  query p50 ${ms(queries.p50)}, p99 ${ms(queries.p99)} (${n(timed.length)} requests)`);
  // Which requests make the tail: each kind's share of the slowest 1%, and its own p50 / p99.
  const kinds = [...new Set(timed.map((t) => t.kind))].map((kind) => {
    const times = timed.filter((t) => t.kind === kind).map((t) => t.time);
    return { kind, ...latency(times), inTail: times.filter((t) => t >= queries.p99).length };
  });
  const tail = kinds.filter((k) => k.inTail > 0).sort((a, b) => b.inTail - a.inTail);
  console.log(`  the slowest 1%: ${tail.map((k) => `${k.kind} ${k.inTail} (its p50 / p99 ${ms(k.p50)} / ${ms(k.p99)})`).join(', ')}`);
  console.log(
    `  ingest ${n(acked / seconds)} events/s over the ${seconds} s each client ran; acknowledged ${n(acked)}, counted ${n(counted.events)}${acked === counted.events ? ' (equal)' : ' — DIFFERENT'}`,
  );
  console.log(`  errors: ${errors.length}${errors.length ? ` (first: ${errors[0]})` : ''}`);
  console.log(`  server peak RSS (VmHWM): ${peak} MiB; server CPU ${serverCpuSeconds.toFixed(1)} s`);
}

/** Waits until a process has used (almost) no CPU for two seconds, reading its CPU time from /proc. */
async function waitUntilIdle(pid: number): Promise<void> {
  const cpuTicks = () => cpuTicksOf(pid);
  await new Promise((r) => setTimeout(r, 2500));
  let quiet = 0;
  for (let last = cpuTicks(); quiet < 4;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuTicks();
    quiet = now - last <= 5 ? quiet + 1 : 0;
    last = now;
  }
}

try {
  if (args.load || args.only === 'load') {
    await loadLeg();
  } else {
    // A ClickHouse server lives as long as the run: with --engine clickhouse both legs run in one go.
    if (args.engine === 'clickhouse' && args.only) throw new Error('--only needs the DuckDB engine: the ClickHouse server of a run does not outlive it');
    const leg = args.engine === 'clickhouse' ? await startClickHouseLeg() : null;
    try {
      if (!args.only || args.only === 'ingest') await ingestLeg(leg);
      if (args.only === 'raw') {
        const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
        await rawLeg({ from: manifest.from, to: manifest.to, events, order: manifest.order }, manifest.events);
      }
      if (!args.only || args.only === 'query') await queryLeg(leg);
      if ((!args.only && !leg) || args.only === 'otlp') await otlpLeg();
    } finally {
      await leg?.stop();
    }
  }
} finally {
  if (!args.db) rmSync(dir, { recursive: true, force: true });
}
