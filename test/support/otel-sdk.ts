/**
 * The official OpenTelemetry JS SDK (2.12.0) and its OTLP exporters (0.223.0) pointed at a test backend: spans
 * are made with a real tracer, collected in memory, then exported in the batches a test chooses.
 */
import { Metadata } from '@grpc/grpc-js';
import { context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export type Transport = 'protobuf' | 'json' | 'grpc';

/** An OTLP trace exporter of the SDK for a transport; `url` is the backend (HTTP) or host:port (gRPC). */
export function traceExporter(transport: Transport, url: string, token?: string): SpanExporter {
  const headers = token ? { Authorization: `Bearer ${token}` } : undefined;
  if (transport === 'grpc') return new GrpcTraceExporter({ url: `http://${url}`, metadata: grpcMetadata(token) });
  const Exporter = transport === 'json' ? JsonTraceExporter : ProtoTraceExporter;
  return new Exporter({ url: `${url}/v1/traces`, headers });
}

/** gRPC metadata carrying the bearer token, as OTEL_EXPORTER_OTLP_HEADERS would. */
export function grpcMetadata(token?: string): Metadata {
  const metadata = new Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** Exports one batch and resolves with the SDK's result (code and error). */
export function exportBatch(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

export const SUCCESS = ExportResultCode.SUCCESS;

/** A tracer whose finished spans are kept in memory, for a resource and an instrumentation scope. */
export function recordingTracer(resource: Attributes, scope: string, version = '0.0.0') {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer(scope, version);
  return {
    memory,
    /** A finished span: `start` epoch ms, lasting `ms`, under `parent` when given. */
    span(name: string, attributes: Attributes, start: number, ms: number, parent?: Span): Span {
      const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
      const span = tracer.startSpan(name, { attributes, startTime: new Date(start), kind: 2 }, ctx);
      span.end(new Date(start + ms));
      return span;
    },
    /** A span left open, to parent others; `end()` it afterwards. */
    open(name: string, attributes: Attributes, start: number, parent?: Span): Span {
      const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
      return tracer.startSpan(name, { attributes, startTime: new Date(start) }, ctx);
    },
    finished: () => memory.getFinishedSpans(),
  };
}
