/**
 * POST /v1/metrics and gRPC MetricsService with the OpenTelemetry JS SDK's metric exporters: the
 * gen_ai.client.token.usage histogram in delta and cumulative temporality, sender restarts, a backend restart on
 * the same database, retried exports; off by default with a message saying how to turn it on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OTLP_MESSAGES } from '../../src/server/ingest/otlp/otlp-proto';
import { loadConfig } from '../../src/server/config';
import { createLogger } from '../../src/server/logger';
import { startServer, type RunningServer } from '../../src/server/main';
import { grpcMetadata } from '../support/otel-sdk';
import { startTestServer, type TestServer } from '../support/test-server';

const start = Date.now() - 60_000;

/** A process that records gen_ai.client.token.usage as the GenAI instrumentations do, exporting on demand. */
function sender(exporter: PushMetricExporter, service: string) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service }), readers: [reader] });
  const histogram = provider.getMeter('@opentelemetry/instrumentation-openai', '0.21.0').createHistogram('gen_ai.client.token.usage', { unit: '{token}' });
  const sent = { input: 0, output: 0, calls: 0 };
  return {
    sent,
    call(model: string, input: number, output: number) {
      const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': model, 'gen_ai.response.model': model };
      histogram.record(input, { ...attrs, 'gen_ai.token.type': 'input' });
      histogram.record(output, { ...attrs, 'gen_ai.token.type': 'output' });
      sent.input += input;
      sent.output += output;
      sent.calls += 1;
    },
    flush: () => reader.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

async function totals(url: string, service: string) {
  const res = await fetch(`${url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'totals',
      from: start - 60_000,
      to: Date.now() + 60_000,
      metrics: ['input_tokens', 'output_tokens', 'requests'],
      filters: { service: [service] },
    }),
  });
  return ((await res.json()) as { totals: Record<string, number> }).totals;
}

describe('metrics on (TOKENSCOPE_OTLP_METRICS=on)', () => {
  let dir: string;
  let server: RunningServer;
  const config = (port = 0) =>
    loadConfig(
      {},
      {
        TOKENSCOPE_PORT: port,
        TOKENSCOPE_DB: join(dir, 'metrics.duckdb'),
        TOKENSCOPE_LOG_LEVEL: 'silent',
        TOKENSCOPE_OTLP_METRICS: 'on',
        TOKENSCOPE_OTLP_GRPC_PORT: 0,
      },
    );
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-metrics-'));
    server = await startServer(config(), createLogger('silent'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('delta temporality over protobuf: every interval counts once, calls and tokens exact', async () => {
    const s = sender(new ProtoMetricExporter({ url: `${server.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA }), 'm-delta');
    for (let i = 0; i < 7; i++) s.call('gpt-4o-mini', 100 + i, 10 + i);
    await s.flush();
    for (let i = 0; i < 5; i++) s.call('gpt-4o-mini', 1000 + i, 3);
    await s.flush();
    await s.flush();
    expect(await totals(server.url, 'm-delta')).toEqual({ input_tokens: s.sent.input, output_tokens: s.sent.output, requests: s.sent.calls });
    await s.shutdown();
  });

  test('cumulative over gRPC: deltas per stream, a sender restart (new start time) counts its fresh stream', async () => {
    const exporter = () =>
      new GrpcMetricExporter({
        url: `http://${server.otlpGrpcAddress}`,
        metadata: grpcMetadata(),
        temporalityPreference: AggregationTemporalityPreference.CUMULATIVE,
      });
    const first = sender(exporter(), 'm-cumulative');
    for (let i = 0; i < 4; i++) first.call('claude-haiku-4-5', 200 + i, 20);
    await first.flush();
    first.call('claude-haiku-4-5', 5000, 500);
    first.call('gpt-4.1', 70, 7);
    await first.flush();
    await first.flush();
    await first.shutdown();
    const restarted = sender(exporter(), 'm-cumulative');
    restarted.call('claude-haiku-4-5', 9, 1);
    await restarted.flush();
    expect(await totals(server.url, 'm-cumulative')).toEqual({
      input_tokens: first.sent.input + restarted.sent.input,
      output_tokens: first.sent.output + restarted.sent.output,
      requests: first.sent.calls + restarted.sent.calls,
    });
    await restarted.shutdown();
  });

  test('cumulative across a backend restart: nothing counted twice; the interval spanning the restart is not counted (documented)', async () => {
    const port = Number(new URL(server.url).port);
    const s = sender(
      new ProtoMetricExporter({ url: `${server.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.CUMULATIVE }),
      'm-restart',
    );
    s.call('gpt-4o-mini', 300, 30);
    await s.flush();
    const before = { ...s.sent };
    await server.close();
    server = await startServer(config(port), createLogger('silent'));
    s.call('gpt-4o-mini', 44, 4);
    await s.flush();
    expect(await totals(server.url, 'm-restart')).toEqual({ input_tokens: before.input, output_tokens: before.output, requests: before.calls });
    s.call('gpt-4o-mini', 55, 5);
    await s.flush();
    expect(await totals(server.url, 'm-restart')).toEqual({ input_tokens: before.input + 55, output_tokens: before.output + 5, requests: before.calls + 1 });
    await s.shutdown();
  });
});

describe('metrics off (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  test('accepted with a partial-success message naming TOKENSCOPE_OTLP_METRICS; nothing stored', async () => {
    const type = OTLP_MESSAGES.metricsRequest;
    const body = type
      .encode(
        type.fromObject({
          resourceMetrics: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'm-off' } }] },
              scopeMetrics: [
                {
                  metrics: [
                    {
                      name: 'gen_ai.client.token.usage',
                      histogram: {
                        aggregationTemporality: 1,
                        dataPoints: [
                          {
                            startTimeUnixNano: `${start}000000`,
                            timeUnixNano: `${start + 1000}000000`,
                            count: 1,
                            sum: 10,
                            attributes: [
                              { key: 'gen_ai.token.type', value: { stringValue: 'input' } },
                              { key: 'gen_ai.request.model', value: { stringValue: 'm' } },
                            ],
                          },
                        ],
                      },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish();
    const res = await fetch(`${server.url}/v1/metrics`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/x-protobuf' } });
    expect(res.status).toBe(200);
    const answer = OTLP_MESSAGES.metricsResponse.toObject(OTLP_MESSAGES.metricsResponse.decode(new Uint8Array(await res.arrayBuffer())), { longs: Number });
    expect(answer.partialSuccess.errorMessage).toContain('TOKENSCOPE_OTLP_METRICS=on');
    expect(await totals(server.url, 'm-off')).toEqual({ input_tokens: 0, output_tokens: 0, requests: 0 });
  });
});
