/**
 * Load: 8 ingest clients and 8 dashboard-style query clients against a backend child process on loopback, for
 * a fixed time (12 s in CI, 60 s with TOKENSCOPE_RELIABILITY_FULL=1), then they stop. Zero errors, and every
 * acknowledged event counted exactly; the figures (events/s, query p50/p99, the server's peak RSS) are printed,
 * not asserted: timing depends on the machine.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { spawnServer, type ServerProcess } from '../support/server-process';
import { makeEvents, ndjson, rng } from '../support/usage-events';
import { SIZES, reliabilitySeed } from './reliability-mode';

const CLIENTS = 8;
const BATCH = 500;
const H = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'tokenscope-load-'));
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

interface Timed {
  what: string;
  ms: number;
}

/** The server's peak resident set (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round(kb / 1024);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

test(
  `${CLIENTS} ingest and ${CLIENTS} query clients for ${SIZES.loadSeconds} s: no errors, every acknowledged event counted`,
  { timeout: SIZES.loadSeconds * 1000 + 120_000 },
  async () => {
    server = await spawnServer(['--db', join(dir, 'tokenscope.duckdb')]);
    const url = server.url;
    const seed = reliabilitySeed();
    const now = Date.now();
    const errors: string[] = [];
    const timings: Timed[] = [];
    let acked = 0;

    const call = async (what: string, path: string, init?: RequestInit): Promise<unknown> => {
      const started = performance.now();
      try {
        const res = await fetch(url + path, init);
        const body = await res.json();
        if (res.status !== 200) errors.push(`${what}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        timings.push({ what, ms: performance.now() - started });
        return body;
      } catch (err) {
        errors.push(`${what}: ${(err as Error).message}`);
        return null;
      }
    };
    const post = (what: string, body: unknown) =>
      call(what, '/api/v1/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const deadline = performance.now() + SIZES.loadSeconds * 1000;
    const ingestClient = async (client: number) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const events = makeEvents(BATCH, now - 24 * H, 24 * H - 60_000, seed + client * 100_003 + n, `load-c${client}-b${n}`);
        const started = performance.now();
        try {
          const res = await fetch(`${url}/api/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson(events) });
          const body = (await res.json()) as { accepted: number; duplicates: number };
          if (res.status !== 200 || body.accepted !== events.length) errors.push(`ingest: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
          else acked += body.accepted;
          timings.push({ what: 'ingest batch', ms: performance.now() - started });
        } catch (err) {
          errors.push(`ingest: ${(err as Error).message}`);
        }
      }
    };

    // The two dashboards' refreshes: Usage Ranking (totals, Top N, consumption per interval, variable values)
    // and Usage Trend (variable values, one split trend per metric), over their usual ranges.
    const queryClient = async (client: number) => {
      const random = rng(seed + client);
      const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
      while (performance.now() < deadline) {
        const to = Date.now();
        const from = to - pick([1, 6, 24, 72]) * H;
        const range = { from, to, timezone: pick(['UTC', 'Asia/Shanghai', 'Europe/Berlin']) };
        const filters = random() < 0.5 ? {} : { model_type: ['text_generation'] };
        const dimension = pick(['service', 'model', 'api_key']);
        if (random() < 0.5) {
          await call('values', `/api/v1/dimensions/model_type/values?from=${from}&to=${to}`);
          await post('totals', { ...range, type: 'totals', metrics: ['total_tokens', 'input_tokens', 'output_tokens'], filters });
          await post('ranking', { ...range, type: 'ranking', dimension, limit: 10, metrics: ['total_tokens'], filters });
          await post('trend', {
            ...range,
            type: 'trend',
            dimension,
            limit: 10,
            metrics: ['total_tokens'],
            granularity: 'auto',
            intervalMs: 60_000,
            maxDataPoints: 1200,
            filters,
          });
        } else {
          for (const d of ['model_type', 'service', 'api_key', 'model']) await call('values', `/api/v1/dimensions/${d}/values?from=${from}&to=${to}`);
          for (const metric of ['total_tokens', 'input_tokens', 'output_tokens', 'requests']) {
            await post('trend', {
              ...range,
              type: 'trend',
              dimension: 'model',
              limit: 8,
              metrics: [metric],
              granularity: pick(['auto', '5m', '1h']),
              maxDataPoints: 1000,
              filters,
            });
          }
        }
      }
    };

    const started = performance.now();
    await Promise.all([...Array.from({ length: CLIENTS }, (_, i) => ingestClient(i)), ...Array.from({ length: CLIENTS }, (_, i) => queryClient(i))]);
    const seconds = (performance.now() - started) / 1000;
    const peak = peakRssMiB(server.child.pid!);

    expect(errors).toEqual([]);
    const totals = (await post('totals', { type: 'totals', from: now - 25 * H, to: Date.now() + H, metrics: ['requests'] })) as {
      totals: { requests: number };
    };
    expect(totals.totals.requests).toBe(acked);
    expect(
      server
        .output()
        .split('\n')
        .filter((l) => /"level":(50|60)/.test(l)),
    ).toEqual([]);

    const queries = timings.filter((t) => t.what !== 'ingest batch');
    const stats = (list: Timed[]) => {
      const sorted = list.map((t) => t.ms).sort((a, b) => a - b);
      return `n=${sorted.length} p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms`;
    };
    console.log(
      [
        `load (seed ${seed}): ${CLIENTS} ingest + ${CLIENTS} query clients for ${seconds.toFixed(1)} s, 0 errors`,
        `  ingest: ${acked} events acknowledged, ${Math.round(acked / seconds)} events/s (batches of ${BATCH}: ${stats(timings.filter((t) => t.what === 'ingest batch'))})`,
        `  queries: ${Math.round(queries.length / seconds)}/s, all ${stats(queries)}`,
        ...['totals', 'ranking', 'trend', 'values'].map((what) => `    ${what}: ${stats(queries.filter((t) => t.what === what))}`),
        `  server peak RSS (VmHWM): ${peak} MiB`,
      ].join('\n'),
    );
  },
);
