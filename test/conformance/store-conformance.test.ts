/**
 * One suite for every storage engine: the same seeded traffic goes to each through the real HTTP API, every
 * query type is asked of each, and the answers must be identical across engines and equal to sums computed
 * here from the events by hand. `ENGINES=duckdb` (or `clickhouse`, `clickhouse-cluster`) narrows the run.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server';
import { SECRET_KEY, groupedBy, localDate, ndjson, offsetMs, sumOf, timeOf, within, type ClientEvent } from '../support/usage-events';
import { askEveryEngine, selectedEngines } from './conformance-engines';
import { DAY, FALL, H, HOSTILE_KEY, HOSTILE_MODEL, HOSTILE_SERVICE, RECENT, SPRING, ingestPlan, referenceIngest } from './conformance-data';

const engines = selectedEngines();
const runnable = engines.filter((e) => !e.skipReason);
const skipped = engines.filter((e) => e.skipReason);

const plan = ingestPlan();
const reference = referenceIngest(plan);
const kept = reference.kept;
const SUM_METRICS = ['total_tokens', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'requests'] as const;
const ALL_METRICS = [...SUM_METRICS, 'total_tokens_per_minute', 'output_tokens_per_minute', 'concurrency'];

interface Running {
  name: string;
  reports: string;
  server: TestServer;
  ingestAnswers: unknown[];
  stop(): Promise<void>;
}
const running: Running[] = [];

for (const e of skipped) test.skip(`${e.name}${e.skipReason}`, () => {});

describe.skipIf(runnable.length === 0)(`store conformance on ${runnable.map((e) => e.name).join(', ')}`, () => {
  beforeAll(async () => {
    for (const engine of runnable) {
      const started = await engine.start();
      const server = await startTestServer({ TOKENSCOPE_STORE: started.store });
      const entry: Running = { name: engine.name, reports: engine.reports, server, ingestAnswers: [], stop: started.stop };
      running.push(entry);
      for (const batch of plan) {
        const res = await server.json('POST', '/api/v1/usage', ndjson(batch), { 'content-type': 'application/x-ndjson' });
        expect(res.status, `${engine.name}: ${JSON.stringify(res.body)}`).toBe(200);
        entry.ingestAnswers.push({ accepted: res.body.accepted, duplicates: res.body.duplicates });
      }
    }
  }, 600_000);
  afterAll(async () => {
    for (const r of running) {
      await r.server.stop();
      await r.stop();
    }
  });

  const ask = (method: string, path: string, body?: unknown) => askEveryEngine(running, method, path, body);
  const query = (body: Record<string, unknown>) => ask('POST', '/api/v1/query', body);

  const sumMetrics = (events: ClientEvent[]) => {
    const s = sumOf(events);
    return Object.fromEntries(SUM_METRICS.map((m) => [m, s[m]]));
  };

  test('ingest answers follow the idempotency contract on every engine', () => {
    for (const r of running) expect(r.ingestAnswers, r.name).toEqual(reference.answers);
    // The plan really exercises the contract: resends, shifted resends and in-batch repeats.
    expect(reference.answers.reduce((n, a) => n + a.duplicates, 0)).toBeGreaterThan(200);
  });

  test('health reports each engine and the number of events kept', async () => {
    for (const r of running) {
      const res = await r.server.json('GET', '/api/v1/health');
      expect(res.body).toMatchObject({ status: 'ok', engine: r.reports, events: kept.length });
    }
  });

  const whole = { from: FALL.from, to: RECENT.to + H };
  const ragged = { from: FALL.from + 1_234_567, to: SPRING.to - 7_654_321 };
  const tiny = { from: SPRING.from + 26 * H + 59_999, to: SPRING.from + 26 * H + 120_001 };
  const FILTERS: Record<string, Record<string, string[]>> = {
    none: {},
    hostile: { service: [HOSTILE_SERVICE], model: [HOSTILE_MODEL, 'glm-5'] },
    key: { api_key: [SECRET_KEY, HOSTILE_KEY] },
    type: { model_type: ['embedding', 'vision'] },
    nothing: { model: ["x' OR '1'='1", "glm-5'; DROP TABLE events; --", '\\'] },
  };

  describe('totals', () => {
    for (const [rangeName, range] of Object.entries({ whole, ragged, tiny })) {
      for (const [filterName, filters] of Object.entries(FILTERS)) {
        test(`${rangeName} range, ${filterName} filter`, async () => {
          const got = await query({ type: 'totals', ...range, filters, metrics: ALL_METRICS });
          expect(got.totals).toMatchObject(sumMetrics(within(kept, range.from, range.to, filters)));
        });
      }
    }

    test('the hostile filters match events, so the checks above are not vacuous', () => {
      for (const name of ['hostile', 'key', 'type']) expect(within(kept, ragged.from, ragged.to, FILTERS[name]).length, name).toBeGreaterThan(10);
    });
  });

  describe('ranking', () => {
    for (const dimension of ['model', 'service', 'api_key', 'model_type']) {
      for (const [rangeName, range] of Object.entries({ whole, ragged })) {
        test(`by ${dimension} over the ${rangeName} range: rows and other equal the sums, rows + other = totals`, async () => {
          const got = await query({ type: 'ranking', ...range, dimension, metrics: ALL_METRICS, limit: 3 });
          const groups = groupedBy(within(kept, range.from, range.to), (e) => String(e[dimension as keyof ClientEvent]));
          expect(got.rows.map((r: any) => r.metrics.total_tokens)).toEqual(groups.slice(0, 3).map((g) => g.sums.total_tokens));
          expect(got.rows.map((r: any) => r.metrics.requests)).toEqual(groups.slice(0, 3).map((g) => g.sums.requests));
          const rest = groups.slice(3);
          expect(got.other?.count ?? 0).toBe(rest.length);
          expect(got.other?.metrics.total_tokens ?? 0).toBe(rest.reduce((n, g) => n + g.sums.total_tokens, 0));
          const rowsPlusOther = got.rows.reduce((n: number, r: any) => n + r.metrics.total_tokens, 0) + (got.other?.metrics.total_tokens ?? 0);
          expect(rowsPlusOther).toBe(got.totals.total_tokens);
          expect(got.totals).toMatchObject(sumMetrics(within(kept, range.from, range.to)));
        });
      }
    }

    test('hostile names come back as sent, secret keys only masked', async () => {
      const byService = await query({ type: 'ranking', ...whole, dimension: 'service', limit: 100, metrics: ['requests'] });
      expect(byService.rows.map((r: any) => r.key)).toContain(HOSTILE_SERVICE);
      const byKey = await query({ type: 'ranking', ...whole, dimension: 'api_key', limit: 100, metrics: ['requests'] });
      expect(byKey.rows.map((r: any) => r.label)).toContain(HOSTILE_KEY);
      expect(JSON.stringify(byKey)).not.toContain(SECRET_KEY);
    });
  });

  describe('trend', () => {
    const CASES: { name: string; from: number; to: number; granularity: string; timezone: string; dimension?: string }[] = [
      { name: 'days in New York across the autumn DST change', ...FALL, granularity: '1d', timezone: 'America/New_York' },
      { name: 'days in New York across the spring DST change, split by model', ...SPRING, granularity: '1d', timezone: 'America/New_York', dimension: 'model' },
      { name: 'days in Kolkata', ...SPRING, granularity: '1d', timezone: 'Asia/Kolkata' },
      { name: 'days in UTC over a year', ...whole, granularity: '1d', timezone: 'UTC', dimension: 'service' },
      { name: 'hours in Kolkata with ragged ends', from: SPRING.from + 1_234_567, to: SPRING.to - 7_654_321, granularity: '1h', timezone: 'Asia/Kolkata' },
      { name: 'hours in UTC, split by api key', ...RECENT, granularity: '1h', timezone: 'UTC', dimension: 'api_key' },
      {
        name: 'hours in New York on the spring DST day',
        from: SPRING.from + 2 * DAY,
        to: SPRING.from + 3 * DAY,
        granularity: '1h',
        timezone: 'America/New_York',
      },
      {
        name: '5 minutes in Kolkata, ragged',
        from: SPRING.from + 30 * H + 12_345,
        to: SPRING.from + 38 * H - 54_321,
        granularity: '5m',
        timezone: 'Asia/Kolkata',
        dimension: 'model_type',
      },
      { name: '5 minutes in Kathmandu (+5:45)', from: RECENT.from + 5 * H + 1, to: RECENT.from + 11 * H - 1, granularity: '5m', timezone: 'Asia/Kathmandu' },
      {
        name: 'minutes in UTC, ragged',
        from: SPRING.from + 40 * H + 7_777,
        to: SPRING.from + 41 * H + 30 * 60_000 + 3,
        granularity: '1m',
        timezone: 'UTC',
        dimension: 'model',
      },
    ];
    for (const c of CASES) {
      test(`${c.name}: buckets hold the plain sums; trend = totals = ranking rows + other`, async () => {
        const body = { from: c.from, to: c.to, metrics: ['total_tokens', 'requests', 'total_tokens_per_minute', 'concurrency'] };
        const trend = await query({ ...body, type: 'trend', granularity: c.granularity, timezone: c.timezone, dimension: c.dimension, limit: 3 });
        const totals = await query({ ...body, type: 'totals' });
        const ranking = await query({ ...body, type: 'ranking', dimension: c.dimension ?? 'model', limit: 3 });
        const events = within(kept, c.from, c.to);
        expect(totals.totals).toMatchObject({ total_tokens: sumOf(events).total_tokens, requests: events.length });

        // Each event in the bucket whose [start, next start) holds it: independent of the planner's tiers.
        const bounds: number[] = trend.buckets;
        const bucketOf = (t: number) => bounds.findLastIndex((b) => b <= t);
        const expected = new Array(bounds.length).fill(0);
        for (const e of events) expected[bucketOf(timeOf(e))] += e.input_tokens + e.output_tokens;
        const tokenSeries = trend.series.filter((s: any) => s.metric === 'total_tokens');
        const summed = bounds.map((_, i) => tokenSeries.reduce((n: number, s: any) => n + s.values[i], 0));
        expect(summed).toEqual(expected);
        expect(summed.reduce((a, b) => a + b, 0)).toBe(totals.totals.total_tokens);
        const rankingSum = ranking.rows.reduce((n: number, r: any) => n + r.metrics.total_tokens, 0) + (ranking.other?.metrics.total_tokens ?? 0);
        expect(rankingSum).toBe(totals.totals.total_tokens);
        expect(events.length).toBeGreaterThan(0);
        // The trend splits by the values the ranking puts first, in its order (engines that rank inside aggregate too).
        if (c.dimension) expect(tokenSeries.filter((s: any) => !s.isOther).map((s: any) => s.key)).toEqual(ranking.rows.map((r: any) => r.key));
      });
    }

    test('bucket starts follow the zone: Kolkata hours at :30 UTC, Kathmandu at :15, New York days of 23 and 25 hours', async () => {
      const kolkata = await query({ type: 'trend', ...SPRING, granularity: '1h', timezone: 'Asia/Kolkata' });
      expect(kolkata.buckets.every((b: number) => b % H === 30 * 60_000)).toBe(true);
      const kathmandu = await query({ type: 'trend', ...SPRING, granularity: '1h', timezone: 'Asia/Kathmandu' });
      expect(kathmandu.buckets.every((b: number) => b % H === 15 * 60_000)).toBe(true);
      const lengths = async (range: { from: number; to: number }) => {
        const t = await query({ type: 'trend', ...range, granularity: '1d', timezone: 'America/New_York' });
        return Object.fromEntries(t.buckets.slice(0, -1).map((b: number, i: number) => [localDate(b, 'America/New_York'), (t.buckets[i + 1] - b) / H]));
      };
      expect((await lengths(FALL))['2025-11-02']).toBe(25);
      expect((await lengths(SPRING))['2026-03-08']).toBe(23);
      // Local midnight, from Intl rather than the project's own time code.
      const spring = await query({ type: 'trend', ...SPRING, granularity: '1d', timezone: 'America/New_York' });
      for (const b of spring.buckets) expect((b + offsetMs(b, 'America/New_York')) % DAY).toBe(0);
    });
  });

  test('dimension values are the same on every engine and are the values sent', async () => {
    const params = `from=${whole.from}&to=${whole.to}`;
    const services = await ask('GET', `/api/v1/dimensions/service/values?${params}`);
    expect(services.values.map((v: any) => v.value).sort()).toEqual([...new Set(kept.map((e) => e.service))].sort());
    const models = await ask('GET', `/api/v1/dimensions/model/values?${params}&service=${encodeURIComponent(HOSTILE_SERVICE)}`);
    expect(models.values.map((v: any) => v.value).sort()).toEqual(
      [...new Set(within(kept, whole.from, whole.to, { service: [HOSTILE_SERVICE] }).map((e) => e.model))].sort(),
    );
  });

  test('the largest filter the API accepts (1,000 values of 512 characters) works on every engine', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => `${i}:${"'\\".repeat(100)}`.padEnd(512, 'x'));
    values[999] = HOSTILE_SERVICE;
    const got = await query({ type: 'totals', ...whole, metrics: ['requests'], filters: { service: values } });
    expect(got.totals.requests).toBe(within(kept, whole.from, whole.to, { service: [HOSTILE_SERVICE] }).length);
  });

  test('the CSV export is byte-identical on every engine', async () => {
    const texts: string[] = [];
    for (const r of running) {
      const res = await fetch(`${r.server.url}/api/v1/export?from=${SPRING.from}&to=${SPRING.to}&granularity=1h&timezone=Asia/Kolkata&dimension=model&limit=3`);
      expect(res.status).toBe(200);
      texts.push(await res.text());
    }
    expect(texts[0].split('\n').length).toBeGreaterThan(50);
    for (const t of texts) expect(t).toBe(texts[0]);
  });

  test('sending everything again changes nothing but the events without ids', async () => {
    const again = plan.slice(0, 3);
    const noId = again.flat().filter((e) => e.id === undefined);
    for (const r of running) {
      for (const batch of again) await r.server.json('POST', '/api/v1/usage', ndjson(batch), { 'content-type': 'application/x-ndjson' });
    }
    const after = await query({ type: 'totals', ...whole, metrics: [...SUM_METRICS] });
    expect(after.totals).toMatchObject(sumMetrics([...kept, ...noId]));
    expect(noId.length).toBeGreaterThan(0);
  });
});
