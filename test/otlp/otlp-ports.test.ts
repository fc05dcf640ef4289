/**
 * The OTLP ports: OTLP/HTTP on its own port (exporters' default paths unchanged) and OTLP/gRPC with the
 * OpenTelemetry JS SDK's gRPC exporter, both with the ingest token, both counting exactly like the main port.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { recordGenAiCalls, totalsByModel } from '../support/genai-spans';
import { SUCCESS, exportBatch, traceExporter, type Transport } from '../support/otel-sdk';
import { startTestServer, type TestServer } from '../support/test-server';

const INGEST = 'ports-ingest-token-0123456789';
const READ = 'ports-read-token-0123456789ab';
let server: TestServer;
const start = Date.now() - 3_600_000;

beforeAll(async () => {
  server = await startTestServer({ TOKENSCOPE_OTLP_PORT: 0, TOKENSCOPE_OTLP_GRPC_PORT: 0 }, { TOKENSCOPE_INGEST_TOKENS: INGEST, TOKENSCOPE_READ_TOKENS: READ });
});
afterAll(() => server.stop());

const METRICS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'requests'];
async function totalsOf(service: string) {
  const res = await server.json(
    'POST',
    '/api/v1/query',
    { type: 'ranking', dimension: 'model', metrics: METRICS, limit: 50, from: start - 60_000, to: Date.now(), filters: { service: [service] } },
    { authorization: `Bearer ${READ}` },
  );
  expect(res.status).toBe(200);
  return Object.fromEntries(res.body.rows.map((row: { key: string; metrics: Record<string, number> }) => [row.key, row.metrics]));
}

const endpoint = (transport: Transport) => (transport === 'grpc' ? server.otlpGrpcAddress! : server.otlpUrl!);

describe.each(['protobuf', 'grpc'] as Transport[])('%s on the OTLP port', (transport) => {
  test('spans of four instrumentations, wrappers later, a full re-export: totals exact', async () => {
    const service = `port-${transport}`;
    const { inner, outer, calls } = recordGenAiCalls(service, start, 20, transport === 'grpc' ? 21 : 22);
    const exporter = traceExporter(transport, endpoint(transport), INGEST);
    expect(await exportBatch(exporter, inner)).toEqual({ code: SUCCESS });
    expect(await exportBatch(exporter, outer)).toEqual({ code: SUCCESS });
    expect(await exportBatch(exporter, [...inner, ...outer])).toEqual({ code: SUCCESS });
    expect(await totalsOf(service)).toEqual(totalsByModel(calls));
    await exporter.shutdown();
  });

  test('a wrong token is refused and stores nothing', async () => {
    const service = `port-${transport}-denied`;
    const exporter = traceExporter(transport, endpoint(transport), 'not-the-token-0123456789abcdef');
    const result = await exportBatch(exporter, recordGenAiCalls(service, start, 1, 5).inner);
    expect(result.code).not.toBe(SUCCESS);
    expect(String(result.error)).toMatch(/invalid bearer token|Unauthorized|401|UNAUTHENTICATED/i);
    expect(await totalsOf(service)).toEqual({});
    await exporter.shutdown();
  });
});
