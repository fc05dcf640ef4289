/**
 * The OTLP ports: OTLP/HTTP on its own port (exporters' default paths unchanged) and OTLP/gRPC with the
 * OpenTelemetry JS SDK's gRPC exporter, both with the ingest token, both counting exactly like the main port.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OTLP_GRPC_METHODS, OTLP_MESSAGES } from '../../src/server/ingest/otlp/otlp-proto';
import { recordGenAiCalls, storedTotalsByModel, totalsByModel } from '../support/genai-spans';
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

const totalsOf = (service: string) => storedTotalsByModel(server, READ, service, start - 60_000);

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

describe.each(['protobuf', 'grpc'] as Transport[])('%s with raw retention on', (transport) => {
  // Spans older than the raw events kept would be counted again after their first copy expired: every port refuses them.
  let kept: TestServer;
  beforeAll(async () => {
    kept = await startTestServer(
      { TOKENSCOPE_OTLP_PORT: 0, TOKENSCOPE_OTLP_GRPC_PORT: 0 },
      { TOKENSCOPE_INGEST_TOKENS: INGEST, TOKENSCOPE_READ_TOKENS: READ, TOKENSCOPE_RAW_RETENTION: '7d' },
    );
  });
  afterAll(() => kept?.stop());

  test('spans older than the raw retention are refused, newer ones counted', async () => {
    const exporter = traceExporter(transport, transport === 'grpc' ? kept.otlpGrpcAddress! : kept.otlpUrl!, INGEST);
    const old = recordGenAiCalls(`${transport}-expired`, Date.now() - 10 * 86_400_000, 3, 31);
    const fresh = recordGenAiCalls(`${transport}-kept`, start, 3, 32);
    await exportBatch(exporter, old.inner);
    expect(await exportBatch(exporter, fresh.inner)).toEqual({ code: SUCCESS });
    await exporter.shutdown();
    const requests = async (service: string) => {
      const res = await kept.json(
        'POST',
        '/api/v1/query',
        { type: 'totals', metrics: ['requests'], from: Date.now() - 30 * 86_400_000, to: Date.now(), filters: { service: [service] } },
        { authorization: `Bearer ${READ}` },
      );
      expect(res.status).toBe(200);
      return res.body.totals.requests;
    };
    expect(await requests(`${transport}-expired`)).toBe(0);
    expect(await requests(`${transport}-kept`)).toBe(fresh.calls.length);
  });
});

describe('OTLP/gRPC answers', () => {
  /** One raw unary call of TraceService/Export with the given bytes; resolves with the response bytes or the status. */
  function exportRaw(bytes: Buffer, token = INGEST): Promise<{ response?: Buffer; code?: grpc.status; details?: string }> {
    const client = new grpc.Client(server.otlpGrpcAddress!, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve) =>
      client.makeUnaryRequest(
        OTLP_GRPC_METHODS.traces,
        (b: Buffer) => b,
        (b: Buffer) => b,
        bytes,
        metadata,
        (err, response) => {
          client.close();
          resolve(err ? { code: err.code, details: err.details } : { response });
        },
      ),
    );
  }
  const now = Date.now() - 60_000;
  const request = (inputTokens: number) => {
    const type = OTLP_MESSAGES.traceRequest;
    const span = (n: number, input: number) => ({
      traceId: Buffer.alloc(16, n),
      spanId: Buffer.alloc(8, n),
      startTimeUnixNano: `${now}000000`,
      attributes: [
        { key: 'gen_ai.request.model', value: { stringValue: 'grpc-model' } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: input } },
        { key: 'gen_ai.usage.output_tokens', value: { intValue: 1 } },
      ],
    });
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-raw' } }] },
          scopeSpans: [{ spans: [span(7, 10), span(8, inputTokens)] }],
        },
      ],
    };
    return Buffer.from(type.encode(type.fromObject(body)).finish());
  };

  test('partial success names the rejected span; the valid one is stored', async () => {
    const { response } = await exportRaw(request(-1));
    const answer = OTLP_MESSAGES.traceResponse.toObject(OTLP_MESSAGES.traceResponse.decode(response!), { longs: Number });
    expect(answer.partialSuccess).toMatchObject({
      rejectedSpans: 1,
      errorMessage: expect.stringContaining('input_tokens (from gen_ai.usage.input_tokens): must be an integer >= 0'),
    });
    const totals = await server.json(
      'POST',
      '/api/v1/query',
      { type: 'totals', from: now - 1000, to: now + 1000, metrics: ['input_tokens', 'requests'], filters: { service: ['grpc-raw'] } },
      { authorization: `Bearer ${READ}` },
    );
    expect(totals.body.totals).toEqual({ input_tokens: 10, requests: 1 });
  });

  test('truncated protobuf is INVALID_ARGUMENT (not retried); a read token is PERMISSION_DENIED', async () => {
    const whole = request(5);
    expect(await exportRaw(whole.subarray(0, whole.length - 5))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('ExportTraceServiceRequest'),
    });
    expect(await exportRaw(whole, READ)).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });
});
