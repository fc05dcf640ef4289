// @vitest-environment jsdom
/**
 * Real backend answers, fetched by the plugin through the stand-in of Grafana's proxy, pushed through the
 * @grafana/data functions that panels and Inspect use: display names (legends, headers), reduceField with
 * min/max/mean (legend calcs), toCSV (Inspect > Data > Download CSV). The numbers must equal the backend's.
 */
import { getFieldDisplayName, reduceField, ReducerID, toCSV, type DataFrame } from '@grafana/data';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RankingResponse, TotalsResponse, TrendResponse } from '../../src/shared';
import { grafanaDataSource, queryRequest, runQuery } from '../support/grafana-datasource';
import type { TestServerProcess } from '../support/test-server-process';
import { backendAnswer, HOUR, RANGE, READ_TOKEN, startUsageBackend, type FixtureEvent } from './usage-fixture';

let server: TestServerProcess;
let events: FixtureEvent[];
let ds: ReturnType<typeof grafanaDataSource>['ds'];

beforeAll(async () => {
  ({ server, events } = await startUsageBackend());
  ({ ds } = grafanaDataSource({ backendUrl: server.url, apiToken: READ_TOKEN }));
});
afterAll(() => server?.stop());

async function frames(target: Parameters<typeof queryRequest>[0][number]): Promise<DataFrame[]> {
  const response = await runQuery(ds, queryRequest([target], { ...RANGE, timezone: 'utc' }));
  expect(response.errors ?? []).toEqual([]);
  return response.data as DataFrame[];
}

const sumOf = (list: FixtureEvent[], pick: (e: FixtureEvent) => number) => list.reduce((a, e) => a + pick(e), 0);

describe('fidelity of trend frames', () => {
  test('legend min/max/mean and series names equal the backend series, per model', async () => {
    const target = { refId: 'A', queryType: 'trend' as const, metrics: ['total_tokens'], dimension: 'model', granularity: '1h', limit: 3 };
    const [frame, ...rest] = await frames(target);
    expect(rest).toHaveLength(0);
    const backend = await backendAnswer<TrendResponse>(server, {
      type: 'trend',
      ...RANGE,
      metrics: ['total_tokens'],
      dimension: 'model',
      granularity: '1h',
      limit: 3,
      timezone: 'UTC',
    });
    expect(frame.fields[0].values).toEqual(backend.buckets);
    // Between the time and the bucket ends (which the "largest calls in this bucket" link reads), one field per series.
    const series = frame.fields.slice(1, -1);
    expect(series.map((f) => getFieldDisplayName(f, frame))).toEqual(backend.series.map((s) => s.labels.model));
    expect(backend.series.map((s) => s.labels.model)).toEqual(['glm-5', 'qwen3-vl', 'bge-m3', 'other']);
    for (const [i, field] of series.entries()) {
      const calcs = reduceField({ field, reducers: [ReducerID.min, ReducerID.max, ReducerID.mean] });
      const expected = backend.series[i];
      expect({ min: calcs.min, max: calcs.max, mean: calcs.mean }).toEqual({ min: expected.min, max: expected.max, mean: expected.avg });
    }
  });

  test('the legend of a model equals what its events add up to, hour by hour', async () => {
    const [frame] = await frames({ refId: 'A', queryType: 'trend', metrics: ['input_tokens'], dimension: 'model', granularity: '1h', limit: 10 });
    const field = frame.fields.find((f) => getFieldDisplayName(f, frame) === 'glm-5')!;
    const hourly = Array.from({ length: 6 }, (_, h) =>
      sumOf(
        events.filter((e) => e.model === 'glm-5' && e.timestamp >= RANGE.from + h * HOUR && e.timestamp < RANGE.from + (h + 1) * HOUR),
        (e) => e.input_tokens,
      ),
    );
    expect(field.values).toEqual(hourly);
    const calcs = reduceField({ field, reducers: [ReducerID.max, ReducerID.min, ReducerID.sum] });
    expect(calcs).toMatchObject({
      max: Math.max(...hourly),
      min: Math.min(...hourly),
      sum: sumOf(
        events.filter((e) => e.model === 'glm-5'),
        (e) => e.input_tokens,
      ),
    });
  });

  test('Download CSV is one table: a time column, one column per series and the bucket ends, values equal to the backend', async () => {
    const [frame] = await frames({ refId: 'A', queryType: 'trend', metrics: ['total_tokens'], dimension: 'service', granularity: '1h', limit: 10 });
    const backend = await backendAnswer<TrendResponse>(server, {
      type: 'trend',
      ...RANGE,
      metrics: ['total_tokens'],
      dimension: 'service',
      granularity: '1h',
      limit: 10,
      timezone: 'UTC',
    });
    const rows: string[][] = parse(toCSV([frame]), { bom: true });
    const [header, ...body] = rows;
    expect(header).toEqual(['Time', ...backend.series.map((s) => s.labels.service), 'Bucket end']);
    expect(body).toHaveLength(backend.buckets.length);
    body.forEach((row, i) => {
      expect(Number(row[0])).toBe(backend.buckets[i]);
      backend.series.forEach((s, j) => expect(Number(row[j + 1])).toBe(s.values[i]));
      expect(Number(row.at(-1))).toBe(backend.buckets[i + 1] ?? backend.to);
    });
  });

  test('per-minute series keep the catalogue unit and the backend values', async () => {
    const [frame] = await frames({ refId: 'A', queryType: 'trend', metrics: ['total_tokens_per_minute'], dimension: '', granularity: '1h' });
    const backend = await backendAnswer<TrendResponse>(server, {
      type: 'trend',
      ...RANGE,
      metrics: ['total_tokens_per_minute'],
      granularity: '1h',
      timezone: 'UTC',
    });
    const field = frame.fields[1];
    expect(getFieldDisplayName(field, frame)).toBe('Total Tokens per Minute');
    expect(field.config.unit).toBe('suffix: tokens/min');
    const calcs = reduceField({ field, reducers: [ReducerID.min, ReducerID.max, ReducerID.mean] });
    expect(calcs).toMatchObject({ min: backend.series[0].min, max: backend.series[0].max, mean: backend.series[0].avg });
  });
});

describe('fidelity of totals and ranking frames', () => {
  test('totals: each field reduces to the backend total and to the sum of the events', async () => {
    const metrics = ['total_tokens', 'input_tokens', 'output_tokens', 'requests'];
    const [frame] = await frames({ refId: 'T', queryType: 'totals', metrics });
    const backend = await backendAnswer<TotalsResponse>(server, { type: 'totals', ...RANGE, metrics });
    expect(frame.fields.map((f) => getFieldDisplayName(f, frame))).toEqual(['Total Tokens', 'Input Tokens', 'Output Tokens', 'Requests']);
    const values = frame.fields.map((f) => reduceField({ field: f, reducers: [ReducerID.lastNotNull] }).lastNotNull);
    expect(values).toEqual(metrics.map((m) => backend.totals[m as keyof typeof backend.totals]));
    expect(values).toEqual([
      sumOf(events, (e) => e.input_tokens + e.output_tokens),
      sumOf(events, (e) => e.input_tokens),
      sumOf(events, (e) => e.output_tokens),
      events.length,
    ]);
  });

  test('ranking: rows largest first, "other" last, and the CSV sums to the backend totals', async () => {
    const [frame] = await frames({ refId: 'R', queryType: 'ranking', metrics: ['total_tokens'], dimension: 'model', limit: 2 });
    const backend = await backendAnswer<RankingResponse>(server, { type: 'ranking', ...RANGE, metrics: ['total_tokens'], dimension: 'model', limit: 2 });
    const rows: string[][] = parse(toCSV([frame]), { bom: true });
    expect(rows[0]).toEqual(['Model', 'Total Tokens', 'Share']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['glm-5', 'qwen3-vl', 'other']);
    const tokens = rows.slice(1).map((r) => Number(r[1]));
    expect(tokens).toEqual([...backend.rows.map((r) => r.metrics.total_tokens), backend.other!.metrics.total_tokens]);
    expect(tokens[0]).toBeGreaterThan(tokens[1]);
    expect(tokens.reduce((a, b) => a + b, 0)).toBe(backend.totals.total_tokens);
    expect(rows.slice(1).reduce((a, r) => a + Number(r[2]), 0)).toBeCloseTo(1, 9);
  });
});
