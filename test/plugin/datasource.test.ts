// @vitest-environment jsdom
/**
 * The DataSource against a real backend (auth on) through the stand-in of Grafana's proxy: request mapping
 * (variables, ad-hoc filters, time zone, auto interval), errors as panel errors, Save & test messages,
 * query variables and ad-hoc filter keys/values.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getFieldDisplayName, type DataFrame, type DataQueryRequest } from '@grafana/data';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TokenscopeVariableQuery } from '../../src/plugin/types';
import type { TokenscopeVariableSupport } from '../../src/plugin/variables';
import { grafanaDataSource, queryRequest, runQuery } from '../support/grafana-datasource';
import type { TestServerProcess } from '../support/test-server-process';
import { DAY_START, HOUR, RANGE, READ_TOKEN, startUsageBackend, type FixtureEvent } from './usage-fixture';

let server: TestServerProcess;
let events: FixtureEvent[];
let stranger: Server;
let strangerUrl: string;

beforeAll(async () => {
  ({ server, events } = await startUsageBackend());
  stranger = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a web page</html>'));
  await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
  strangerUrl = `http://127.0.0.1:${(stranger.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => stranger?.close(resolve));
  await server?.stop();
});

const sumOf = (list: FixtureEvent[], pick: (e: FixtureEvent) => number) => list.reduce((a, e) => a + pick(e), 0);
const totalTokens = (list: FixtureEvent[]) => sumOf(list, (e) => e.input_tokens + e.output_tokens);

describe('movers and largest calls through the data source', () => {
  test('movers come back as the table the backend ranks; calls largest first, trace ids linked to the tracing data source of the settings', async () => {
    const { ds } = grafanaDataSource({
      backendUrl: server.url,
      apiToken: READ_TOKEN,
      jsonData: { tracingDatasourceUid: 'tempo-1', tracingDatasourceType: 'tempo' },
    });
    const half = { from: RANGE.from + (RANGE.to - RANGE.from) / 2, to: RANGE.to };
    const movers = await runQuery(ds, queryRequest([{ refId: 'M', queryType: 'movers', metrics: ['total_tokens'], dimension: 'model', limit: 2 }], half));
    expect(movers.errors ?? []).toEqual([]);
    const [moversFrame] = movers.data as DataFrame[];
    // By hand from the fixture: each model's tokens in the second half of the range against the first half.
    const tokens = (model: string, from: number, to: number) => totalTokens(events.filter((e) => e.model === model && e.timestamp >= from && e.timestamp < to));
    const models = [...new Set(events.map((e) => e.model))];
    const change = (m: string) => tokens(m, half.from, half.to) - tokens(m, RANGE.from, half.from);
    const expected = models.sort((a, b) => Math.abs(change(b)) - Math.abs(change(a)) || (a < b ? -1 : 1)).slice(0, 2);
    expect(moversFrame.fields[0].values.slice(0, 2)).toEqual(expected);
    expect(moversFrame.fields.find((f) => f.name === 'change')!.values.slice(0, 2)).toEqual(expected.map(change));

    const calls = await runQuery(ds, queryRequest([{ refId: 'C', queryType: 'calls', metrics: [], limit: 5 }], RANGE));
    expect(calls.errors ?? []).toEqual([]);
    const [callsFrame] = calls.data as DataFrame[];
    const largest = events
      .map((e) => e.input_tokens + e.output_tokens)
      .sort((a, b) => b - a)
      .slice(0, 5);
    expect(callsFrame.fields.find((f) => f.name === 'total_tokens')!.values).toEqual(largest);
    const traceLink = callsFrame.fields.find((f) => f.name === 'trace_id')!.config.links![0];
    expect(traceLink.internal).toMatchObject({ datasourceUid: 'tempo-1', query: { queryType: 'traceql', query: '${__value.raw}' } });
  });
});

describe('request mapping', () => {
  test('variables, All, the dashboard time zone and the panel interval reach the backend as the API expects', async () => {
    const { ds, fetchSrv } = grafanaDataSource({
      backendUrl: server.url,
      apiToken: READ_TOKEN,
      variables: [
        { name: 'model', value: ['glm-5', 'bge-m3'] },
        { name: 'service', value: '$__all', options: ['chat', 'search'] },
        { name: 'dimension', value: 'model' },
      ],
    });
    const request = queryRequest(
      [
        {
          refId: 'A',
          queryType: 'trend',
          metrics: ['total_tokens'],
          dimension: '$dimension',
          granularity: 'auto',
          limit: 10,
          filters: { model: ['$model'], service: ['$service'] },
        },
      ],
      { ...RANGE, timezone: 'browser', intervalMs: HOUR, maxDataPoints: 500 },
    );
    const response = await runQuery(ds, request);
    expect(response.errors ?? []).toEqual([]);
    expect(fetchSrv.calls).toEqual([
      {
        method: 'POST',
        url: `${server.url}/api/v1/query`,
        body: {
          type: 'trend',
          from: RANGE.from,
          to: RANGE.to,
          metrics: ['total_tokens'],
          dimension: 'model',
          filters: { model: ['glm-5', 'bge-m3'] },
          granularity: 'auto',
          limit: 10,
          timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          intervalMs: HOUR,
          maxDataPoints: 500,
        },
      },
    ]);
    const frame = response.data[0] as DataFrame;
    // auto with a one-hour panel interval: hour buckets
    expect(frame.fields[0].config.interval).toBe(HOUR);
    expect(frame.fields.slice(1).map((f) => getFieldDisplayName(f, frame))).toEqual(['glm-5', 'bge-m3', 'Bucket end']);
  });

  test('Explore and mixed data sources get the queries as they will run', () => {
    const { ds } = grafanaDataSource({
      backendUrl: server.url,
      apiToken: READ_TOKEN,
      variables: [
        { name: 'model', value: ['glm-5', 'bge-m3'] },
        { name: 'topN', value: '3' },
      ],
    });
    const [query] = ds.interpolateVariablesInQueries(
      [{ refId: 'A', schemaVersion: 1, queryType: 'ranking', metrics: ['requests'], dimension: 'service', limit: '$topN', filters: { model: ['$model'] } }],
      {},
      [{ key: 'api_key', operator: '=', value: 'team-a' }],
    );
    expect(query).toMatchObject({ refId: 'A', limit: '3', filters: { model: ['glm-5', 'bge-m3'], api_key: ['team-a'] }, datasource: { uid: 'tokenscope' } });
  });

  test('day buckets start at midnight of the dashboard time zone', async () => {
    const { ds } = grafanaDataSource({ backendUrl: server.url, apiToken: READ_TOKEN });
    const response = await runQuery(
      ds,
      queryRequest([{ refId: 'A', queryType: 'trend', metrics: ['requests'], granularity: '1d' }], {
        from: DAY_START - 86_400_000,
        to: DAY_START + 86_400_000,
        timezone: 'Asia/Kolkata',
      }),
    );
    const times = (response.data[0] as DataFrame).fields[0].values as number[];
    expect(times.length).toBeGreaterThanOrEqual(2);
    const localTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    for (const t of times) expect(localTime.format(t)).toBe('00:00');
  });

  test('ad-hoc filters narrow the query', async () => {
    const { ds } = grafanaDataSource({ backendUrl: server.url, apiToken: READ_TOKEN });
    const response = await runQuery(
      ds,
      queryRequest([{ refId: 'A', queryType: 'totals', metrics: ['total_tokens'] }], {
        ...RANGE,
        filters: [{ key: 'model', operator: '=|', value: '', values: ['glm-5', 'tiny-1'] }],
      }),
    );
    const frame = response.data[0] as DataFrame;
    expect(frame.fields[0].values[0]).toBe(totalTokens(events.filter((e) => e.model === 'glm-5' || e.model === 'tiny-1')));
  });

  test('filters that exclude every value send nothing and draw no data (an empty list would mean all)', async () => {
    const { ds, fetchSrv } = grafanaDataSource({ backendUrl: server.url, apiToken: READ_TOKEN });
    const response = await runQuery(
      ds,
      queryRequest([{ refId: 'A', queryType: 'totals', filters: { model: ['glm-5'] } }], {
        ...RANGE,
        filters: [{ key: 'model', operator: '=', value: 'tiny-1' }],
      }),
    );
    expect(response.data).toEqual([]);
    expect(fetchSrv.calls).toEqual([]);
  });
});

describe('errors become panel errors', () => {
  test("the backend's message, on the failing query only", async () => {
    const { ds } = grafanaDataSource({ backendUrl: server.url, apiToken: READ_TOKEN });
    const response = await runQuery(
      ds,
      queryRequest(
        [
          { refId: 'A', queryType: 'totals', metrics: ['requests'] },
          { refId: 'B', queryType: 'trend', metrics: ['requests'], granularity: '1m' },
        ],
        { from: DAY_START - 60 * 86_400_000, to: DAY_START },
      ),
    );
    expect(response.data.map((f: DataFrame) => f.refId)).toEqual(['A']);
    expect(response.errors).toEqual([
      expect.objectContaining({ refId: 'B', status: 400, message: expect.stringMatching(/^Tokenscope: granularity: '1m' gives about .* buckets/) }),
    ]);
    expect(response.state).toBe('Error');
  });

  test('a value the schema rejects is named before anything is sent', async () => {
    const { ds, fetchSrv } = grafanaDataSource({ backendUrl: server.url, apiToken: READ_TOKEN, variables: [{ name: 'granularity', value: 'hourly' }] });
    const response = await runQuery(ds, queryRequest([{ refId: 'A', queryType: 'trend', metrics: ['requests'], granularity: '$granularity' }], RANGE));
    expect(response.errors?.[0].message).toBe("Query A: granularity: unknown granularity 'hourly'; valid granularities: auto, 1m, 5m, 1h, 1d");
    expect(fetchSrv.calls).toEqual([]);
  });

  test('a rejected token reads as a token problem in the panel too', async () => {
    const { ds } = grafanaDataSource({ backendUrl: server.url, apiToken: 'not-the-read-token-at-all' });
    const response = await runQuery(ds, queryRequest([{ refId: 'A', queryType: 'totals' }], RANGE));
    expect(response.errors?.[0].message).toMatch(/rejected the API token/);
  });
});

describe('Save & test', () => {
  test('a working backend: version, engine and event count', async () => {
    const { ds } = grafanaDataSource({ backendUrl: server.url, apiToken: READ_TOKEN });
    const result = await ds.testDatasource();
    expect(result.status).toBe('success');
    expect(result.message).toMatch(new RegExp(`^Connected to Tokenscope \\d+\\.\\d+\\.\\d+ \\(duckdb engine, ${events.length} events stored\\)\\.$`));
  });

  test('each failure has its own message', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));

    const cases = [
      { backendUrl: '', expected: /^Set the URL of the Tokenscope backend/ },
      { backendUrl: closedUrl, expected: /^Cannot reach the Tokenscope backend \(502 Bad Gateway\)/ },
      { backendUrl: server.url, apiToken: 'wrong-token-wrong-token', expected: /^The Tokenscope backend rejected the API token/ },
      { backendUrl: server.url, expected: /^The Tokenscope backend rejected the API token/ },
      { backendUrl: strangerUrl, expected: /^The URL answers, but not as a Tokenscope backend/ },
    ];
    for (const c of cases) {
      const { ds } = grafanaDataSource({ backendUrl: c.backendUrl, apiToken: c.apiToken });
      const result = await ds.testDatasource();
      expect({ url: c.backendUrl, status: result.status, message: result.message }).toEqual({
        url: c.backendUrl,
        status: 'error',
        message: expect.stringMatching(c.expected),
      });
    }
  });
});

describe('variables and ad-hoc filters', () => {
  const variableRequest = (query: TokenscopeVariableQuery) =>
    ({ ...queryRequest([], RANGE), targets: [query] }) as unknown as DataQueryRequest<TokenscopeVariableQuery>;

  test('a query variable lists a dimension in text/value fields, narrowed by filters that take variables', async () => {
    const { ds, setVariables } = grafanaDataSource({ backendUrl: server.url, apiToken: READ_TOKEN });
    setVariables([{ name: 'type', value: 'vision' }]);
    const response = await lastValueFrom(
      (ds.variables as TokenscopeVariableSupport).query(variableRequest({ refId: 'v', dimension: 'model', filters: { model_type: ['$type'] } })),
    );
    const frame = response.data[0] as DataFrame;
    expect(frame.fields.map((f) => getFieldDisplayName(f, frame))).toEqual(['text', 'value']);
    expect(frame.fields[1].values).toEqual(['qwen3-vl']);

    setVariables([{ name: 'type', value: '$__all', options: ['vision'] }]);
    const all = await lastValueFrom(
      (ds.variables as TokenscopeVariableSupport).query(variableRequest({ refId: 'v', dimension: 'model', filters: { model_type: ['$type'] } })),
    );
    expect((all.data[0] as DataFrame).fields[1].values).toEqual([...new Set(events.map((e) => e.model))].sort());
  });

  test('ad-hoc keys are the dimensions; values come from the backend, narrowed by the other filters', async () => {
    const { ds } = grafanaDataSource({ backendUrl: server.url, apiToken: READ_TOKEN });
    expect((await ds.getTagKeys()).map((k) => k.text)).toEqual(['service', 'model', 'api_key', 'model_type']);
    const range = queryRequest([], RANGE).range;
    const values = await ds.getTagValues({ key: 'model', filters: [{ key: 'model_type', operator: '=', value: 'embedding' }], timeRange: range });
    expect(values).toEqual([{ text: 'bge-m3', value: 'bge-m3' }]);
    const services = await ds.getTagValues({ key: 'service', filters: [], timeRange: range });
    expect(services.map((v) => v.value)).toEqual(['chat', 'search']);
  });
});
