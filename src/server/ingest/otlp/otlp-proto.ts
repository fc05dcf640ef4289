/** The official OTLP protobuf schema (third_party/opentelemetry-proto, unchanged), loaded once with protobufjs. */
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const PROTO_DIR = fileURLToPath(new URL('../../../../third_party/opentelemetry-proto/', import.meta.url));
const SERVICES = ['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto'];

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the schema's top folder.
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  root.loadSync(SERVICES, { keepCase: false });
  root.resolveAll();
  return root;
}

const root = loadRoot();

/** The request and response messages of the two OTLP export services. */
export const OTLP_MESSAGES = {
  traceRequest: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  traceResponse: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
  metricsRequest: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  metricsResponse: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse'),
} as const;

/** The gRPC method paths of the two export services. */
export const OTLP_GRPC_METHODS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
} as const;
