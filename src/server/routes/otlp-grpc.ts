/**
 * OTLP/gRPC: the TraceService and MetricsService Export methods on their own port (@grpc/grpc-js), off unless
 * configured; the same ingest token (metadata `authorization: Bearer …`) and the same OTLP receiver as OTLP/HTTP.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { eventValidator, type IngestCaller } from '../ingest/scoped-events';
import { ClientError, StoreUnavailableError } from '../errors';
import { decodeProtobuf, encodeGrpcResponse, type OtlpSignal } from '../ingest/otlp/otlp-http-body';
import { OTLP_GRPC_METHODS } from '../ingest/otlp/otlp-proto';
import type { OtlpReceiver } from '../ingest/otlp/otlp-receiver';

export interface OtlpGrpcOptions {
  host: string;
  port: number;
  maxBytes: number;
  receiver: OtlpReceiver;
  /** The app's check for an ingest call (token and rate limits): the caller, null with auth off; throws ClientError. */
  admit(authorization: string | undefined, bytes: number): IngestCaller | null;
  /** The oldest timestamp raw retention still keeps (0: no retention): older events are refused, as over HTTP. */
  oldestAccepted(): number;
  logger: Logger;
}

export interface OtlpGrpcServer {
  /** host:port it listens on. */
  address: string;
  close(): Promise<void>;
}

/** HTTP statuses of our errors → gRPC status codes (UNAVAILABLE is the one OTLP exporters retry). */
const GRPC_STATUS: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  413: grpc.status.RESOURCE_EXHAUSTED,
  415: grpc.status.INVALID_ARGUMENT,
  429: grpc.status.RESOURCE_EXHAUSTED,
  503: grpc.status.UNAVAILABLE,
};

const identity = (b: Buffer) => b;
const method = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});

export async function startOtlpGrpcServer({ host, port, maxBytes, receiver, admit, oldestAccepted, logger }: OtlpGrpcOptions): Promise<OtlpGrpcServer> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': maxBytes });
  const handler =
    (signal: OtlpSignal): grpc.handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      const run = async () => {
        const authorization = call.metadata.get('authorization')[0];
        const check = eventValidator(admit(typeof authorization === 'string' ? authorization : undefined, call.request.length), oldestAccepted());
        const message = decodeProtobuf(signal, call.request);
        return encodeGrpcResponse(signal, signal === 'traces' ? await receiver.exportTraces(message, check) : await receiver.exportMetrics(message, check));
      };
      run().then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (err instanceof ClientError || err instanceof StoreUnavailableError) {
            callback({ code: GRPC_STATUS[err.status] ?? grpc.status.INVALID_ARGUMENT, details: err.message });
          } else {
            logger.error({ err }, 'otlp grpc export failed');
            callback({ code: grpc.status.INTERNAL, details: 'internal error' });
          }
        },
      );
    };
  server.addService({ Export: method(OTLP_GRPC_METHODS.traces) }, { Export: handler('traces') });
  server.addService({ Export: method(OTLP_GRPC_METHODS.metrics) }, { Export: handler('metrics') });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
