import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RankingResponse, TrendResponse, TrendSeries } from '../../shared';
import { runCli } from '../../../test/support/run-cli';
import { startTestServer, type TestServer } from '../../../test/support/test-server';
import { DEMO_SECRET_KEYS } from '../demo/demo-catalogue';
import { DAY_MS, seedDemo } from '../demo/seed-demo';
import { createApiClient } from './api-client';
import { runTop } from './top';
import { runTrend } from './trend';

const NOW = Date.UTC(2026, 4, 20, 13, 17, 42);
const FROM = NOW - 2 * DAY_MS;

/** Table rows as printed: cells split on runs of two or more spaces; header and rules left out. */
function tableRows(output: string): string[][] {
  const lines = output.split('\n');
  const rule = lines.findIndex((l) => l.startsWith('─'));
  return lines
    .slice(rule + 1)
    .filter((l) => l.trim() !== '' && !l.startsWith('─'))
    .map((l) => l.trim().split(/\s{2,}/));
}
const num = (cell: string) => Number(cell.replace(/,/g, ''));
const round = (value: number | null | undefined, decimals: number) => Number((value ?? NaN).toFixed(decimals));
/** Bucket times as a person reads them in a zone, without the code under test. */
const wallClock = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(ms);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await seedDemo(server.store, { days: 3, now: NOW });
});
afterAll(() => server.stop());

async function query<T>(body: object): Promise<T> {
  const res = await server.json('POST', '/api/v1/query', body);
  expect(res.status).toBe(200);
  return res.body as T;
}

describe('tokenscope top', () => {
  test('prints the ranking the query API gives: rows with share, the other row and the total', async () => {
    const metrics = ['total_tokens', 'requests', 'concurrency'];
    const run = await runCli(
      ['top', '--by', 'service', '--metric', metrics.join(','), '--limit', '3', '--from', new Date(FROM).toISOString(), '--to', String(NOW)],
      {
        TOKENSCOPE_URL: server.url,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const api = await query<RankingResponse>({ type: 'ranking', from: FROM, to: NOW, dimension: 'service', metrics, limit: 3 });
    const rows = tableRows(run.stdout);
    expect(api.rows).toHaveLength(3);
    expect(api.other).not.toBeNull();
    expect(rows).toHaveLength(5);
    const check = (cells: string[], metricsOf: RankingResponse['totals'], share: number) => {
      expect(num(cells[0])).toBe(metricsOf.total_tokens);
      expect(num(cells[1])).toBe(metricsOf.requests);
      expect(num(cells[2])).toBe(round(metricsOf.concurrency, 2));
      expect(parseFloat(cells[3])).toBe(round(share * 100, 1));
    };
    api.rows.forEach((r, i) => {
      expect(rows[i].slice(0, 2)).toEqual([String(i + 1), r.label]);
      check(rows[i].slice(2), r.metrics, r.share);
    });
    expect(rows[3][0]).toBe(`other (${api.other!.count} more)`);
    check(rows[3].slice(1), api.other!.metrics, api.other!.share);
    expect(rows[4][0]).toBe('total');
    check(rows[4].slice(1), api.totals, 1);
  });

  test('shows API keys by their masked label, never the raw secret', async () => {
    const run = await runCli(['top', '--by', 'api_key', '--limit', '30', '--from', String(FROM), '--to', String(NOW)], { TOKENSCOPE_URL: server.url });
    expect(run.code).toBe(0);
    const api = await query<RankingResponse>({ type: 'ranking', from: FROM, to: NOW, dimension: 'api_key', limit: 30 });
    expect(
      tableRows(run.stdout)
        .map((r) => r[1])
        .slice(0, api.rows.length),
    ).toEqual(api.rows.map((r) => r.label));
    expect(api.rows.some((r) => r.label.startsWith('sk-…'))).toBe(true);
    for (const secret of DEMO_SECRET_KEYS) expect(run.stdout).not.toContain(secret);
  });

  test('passes --filter on: only the chosen model types are ranked', async () => {
    const output = await runTop(
      { by: 'model', filter: ['model_type=embedding,vision'], from: String(FROM), to: String(NOW) },
      createApiClient(server.url),
      NOW,
    );
    const api = await query<RankingResponse>({ type: 'ranking', from: FROM, to: NOW, dimension: 'model', filters: { model_type: ['embedding', 'vision'] } });
    const all = await query<RankingResponse>({ type: 'ranking', from: FROM, to: NOW, dimension: 'model' });
    expect(api.rows.length).toBeLessThan(all.rows.length);
    const rows = tableRows(output);
    expect(rows.slice(0, api.rows.length).map((r) => [r[1], num(r[2])])).toEqual(api.rows.map((r) => [r.label, r.metrics.total_tokens]));
    expect(num(rows.at(-1)![1])).toBe(api.totals.total_tokens);
  });

  test('prints the server message and exits non-zero on a bad query', async () => {
    const run = await runCli(['top', '--metric', 'tokens', '--from', String(FROM), '--to', String(NOW)], { TOKENSCOPE_URL: server.url });
    const api = await server.json('POST', '/api/v1/query', { type: 'ranking', from: FROM, to: NOW, metrics: ['tokens'] });
    expect(api.status).toBe(400);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(api.body.error.message);
    expect(run.stdout).toBe('');
  });
});

describe('tokenscope trend', () => {
  test('prints a table of buckets split by model, in the time zone asked for, with min, max and avg', async () => {
    const to = FROM + 12 * 3_600_000;
    const zone = 'Asia/Kolkata';
    const run = await runCli(
      ['trend', '--by', 'model', '--limit', '3', '--granularity', '1h', '--timezone', zone, '--from', String(FROM), '--to', String(to)],
      {
        TOKENSCOPE_URL: server.url,
      },
    );
    expect(run.code).toBe(0);
    const api = await query<TrendResponse>({ type: 'trend', from: FROM, to, dimension: 'model', limit: 3, granularity: '1h', timezone: zone });
    const header = run.stdout.split('\n').find((l) => l.startsWith('Bucket'))!;
    expect(header.split(/\s{2,}/).slice(1)).toEqual(api.series.map((s) => s.labels.model));
    const rows = tableRows(run.stdout.replace(/\n\* partial bucket.*$/m, ''));
    expect(rows).toHaveLength(api.buckets.length + 3);
    // The range starts at :17 and is 12 hours long: Kolkata's hours (:30 UTC) cut the first and the last bucket.
    const last = api.buckets.length - 1;
    api.buckets.forEach((bucket, i) => {
      expect(rows[i][0]).toBe(wallClock(bucket, zone) + (i === 0 || i === last ? ' *' : ''));
      expect(rows[i].slice(1).map(num)).toEqual(api.series.map((s) => s.values[i]));
    });
    expect(run.stdout).toContain('* partial bucket: the range covers only part of it; min and avg of token and request counts leave it out');
    const whole = (s: TrendSeries) => s.values.slice(1, -1) as number[];
    const stats = rows.slice(-3);
    expect(stats.map((r) => r[0])).toEqual(['min', 'max', 'avg']);
    expect(stats[0].slice(1).map(num)).toEqual(api.series.map((s) => Math.min(...whole(s))));
    expect(stats[1].slice(1).map(num)).toEqual(api.series.map((s) => s.max));
    expect(stats[2].slice(1).map(num)).toEqual(api.series.map((s) => round(whole(s).reduce((a, b) => a + b, 0) / whole(s).length, 0)));
  });

  test('prints a sparkline per series with its min, max and avg when there are many buckets', async () => {
    const metrics = ['total_tokens_per_minute', 'requests'];
    const output = await runTrend({ metric: metrics.join(','), granularity: '1h', from: String(FROM), to: String(NOW) }, createApiClient(server.url), NOW);
    const api = await query<TrendResponse>({ type: 'trend', from: FROM, to: NOW, metrics, granularity: '1h' });
    expect(api.buckets.length).toBeGreaterThan(40);
    const rows = tableRows(output).slice(0, -2);
    expect(rows.map((r) => r[0])).toEqual(['Total Tokens per Minute', 'Requests']);
    api.series.forEach((s, i) => {
      const decimals = s.metric === 'requests' ? 0 : 1;
      expect(rows[i][1]).toMatch(new RegExp(`^[▁▂▃▄▅▆▇█]{${api.buckets.length}}$`));
      // Requests are counted over the bucket: the partial first and last hours are left out of min and avg.
      const whole = s.metric === 'requests' ? (s.values.slice(1, -1) as number[]) : null;
      const min = whole ? Math.min(...whole) : s.min;
      const avg = whole ? whole.reduce((a, b) => a + b, 0) / whole.length : s.avg;
      expect(rows[i].slice(2).map(num)).toEqual([round(min, decimals), round(s.max, decimals), round(avg, decimals)]);
    });
    expect(output.split('\n').at(-1)).toBe(`${api.buckets.length} buckets from ${wallClock(api.buckets[0], 'UTC')}; --table prints each`);
  });

  test('prints the server message and exits non-zero when the buckets would be too many', async () => {
    const from = NOW - 60 * DAY_MS;
    const run = await runCli(['trend', '--granularity', '1m', '--from', String(from), '--to', String(NOW)], { TOKENSCOPE_URL: server.url });
    const api = await server.json('POST', '/api/v1/query', { type: 'trend', from, to: NOW, granularity: '1m' });
    expect(api.status).toBe(400);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(api.body.error.message);
  });
});

describe('with auth on', () => {
  const readToken = 'read-token-0123456789abcdef';
  let secured: TestServer;
  beforeAll(async () => {
    secured = await startTestServer({}, { TOKENSCOPE_INGEST_TOKENS: 'ingest-token-0123456789abcdef', TOKENSCOPE_READ_TOKENS: readToken });
  });
  afterAll(() => secured.stop());

  test('top reads the token from TOKENSCOPE_TOKEN', async () => {
    const denied = await runCli(['top', '--url', secured.url]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/missing bearer token.*TOKENSCOPE_TOKEN/);
    const run = await runCli(['top', '--url', secured.url], { TOKENSCOPE_TOKEN: readToken });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('no usage in this range');
  });
});
