/**
 * The official OpenTelemetry JS SDK and its OTLP exporters (protobuf and JSON over HTTP) against a real backend:
 * spans of four instrumentations, inner spans and their wrappers in separate batches, then everything re-exported;
 * totals per model, cache, reasoning and requests must be exact.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { recordGenAiCalls, storedTotalsByModel, totalsByModel } from '../support/genai-spans';
import { SUCCESS, exportBatch, traceExporter, type Transport } from '../support/otel-sdk';
import { startTestServer, type TestServer } from '../support/test-server';

const INGEST = 'otlp-ingest-token-0123456789';
const READ = 'otlp-read-token-0123456789ab';
let server: TestServer;
const start = Date.now() - 3_600_000;

beforeAll(async () => {
  server = await startTestServer({}, { TOKENSCOPE_INGEST_TOKENS: INGEST, TOKENSCOPE_READ_TOKENS: READ });
});
afterAll(() => server.stop());

const totalsOf = (service: string) => storedTotalsByModel(server, READ, service, start - 60_000);

describe.each(['protobuf', 'json'] as Transport[])('OTLP/HTTP %s exporter of the OpenTelemetry JS SDK', (transport) => {
  test('four instrumentations, wrappers in a later batch, a full re-export: every total exact', async () => {
    const service = `sdk-${transport}`;
    const { inner, outer, calls } = recordGenAiCalls(service, start, 25, transport === 'json' ? 7 : 3);
    const exporter = traceExporter(transport, server.url, INGEST);
    expect(await exportBatch(exporter, inner)).toEqual({ code: SUCCESS });
    expect(await exportBatch(exporter, outer)).toEqual({ code: SUCCESS });
    const expected = totalsByModel(calls);
    expect(await totalsOf(service)).toEqual(expected);

    // Exporters retry whole batches: everything again, in one batch this time, counts nothing new.
    expect(await exportBatch(exporter, [...outer, ...inner])).toEqual({ code: SUCCESS });
    expect(await totalsOf(service)).toEqual(expected);
    await exporter.shutdown();
  });

  test('without the ingest token the exporter fails and nothing is stored', async () => {
    const { inner } = recordGenAiCalls(`sdk-${transport}-denied`, start, 2, 11);
    const result = await exportBatch(traceExporter(transport, server.url, 'wrong-token-0123456789abcdef'), inner);
    expect(result.code).not.toBe(SUCCESS);
    expect(await totalsOf(`sdk-${transport}-denied`)).toEqual({});
  });
});
