/**
 * OTLP/HTTP bodies: which encoding a request uses, gzip, decoding a request into the message object the
 * translators read (protobufjs message or parsed OTLP/JSON), and encoding the response in the request's encoding.
 */
import { gunzipSync } from 'node:zlib';
import { ClientError } from '../../errors';
import { bodyTooLarge } from '../read-events';
import { OTLP_MESSAGES } from './otlp-proto';

export type OtlpEncoding = 'protobuf' | 'json';
export type OtlpSignal = 'traces' | 'metrics';

const ENCODINGS: Record<string, OtlpEncoding> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

const REQUEST_NAMES: Record<OtlpSignal, string> = { traces: 'ExportTraceServiceRequest', metrics: 'ExportMetricsServiceRequest' };
const REQUEST_TYPES = { traces: OTLP_MESSAGES.traceRequest, metrics: OTLP_MESSAGES.metricsRequest };
const RESPONSE_TYPES = { traces: OTLP_MESSAGES.traceResponse, metrics: OTLP_MESSAGES.metricsResponse };
const REJECTED_FIELD: Record<OtlpSignal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints' };

/** The encoding for a Content-Type; a 415 that names the accepted ones otherwise. */
export function otlpEncoding(contentType: string | undefined): OtlpEncoding {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const encoding = ENCODINGS[type];
  if (!encoding)
    throw new ClientError(
      `unsupported Content-Type '${contentType ?? ''}'; OTLP/HTTP takes application/x-protobuf or application/json`,
      415,
      'unsupported_media_type',
    );
  return encoding;
}

/** The body without its Content-Encoding (identity or gzip), still within `maxBytes` once inflated. */
export function inflate(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') throw new ClientError(`unsupported Content-Encoding '${contentEncoding}'; send gzip or no encoding`, 415, 'unsupported_media_type');
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw bodyTooLarge(maxBytes);
    throw new ClientError(`body is not valid gzip (${(err as Error).message}); nothing was stored`, 400, 'invalid_body');
  }
}

/** A protobuf message of the signal's export request, decoded with the official schema. */
export function decodeProtobuf(signal: OtlpSignal, bytes: Uint8Array): Record<string, any> {
  try {
    return REQUEST_TYPES[signal].decode(bytes) as unknown as Record<string, any>;
  } catch (err) {
    throw new ClientError(`body is not an OTLP ${REQUEST_NAMES[signal]} in protobuf (${(err as Error).message}); nothing was stored`, 400, 'invalid_body');
  }
}

/** The request in either encoding. */
export function decodeOtlp(signal: OtlpSignal, encoding: OtlpEncoding, bytes: Buffer): Record<string, any> {
  if (encoding === 'protobuf') return decodeProtobuf(signal, bytes);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ClientError(`body is not valid JSON (${(err as Error).message}); send an OTLP/JSON ${REQUEST_NAMES[signal]}`, 400, 'invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ClientError(`body must be an OTLP/JSON ${REQUEST_NAMES[signal]} object`, 400, 'invalid_body');
  }
  return value as Record<string, any>;
}

/** What the receiver answers: nothing when all was taken, else partial success with a count and a reason. */
export interface ExportOutcome {
  rejected: number;
  message: string;
}

/** The export response message as a plain object (OTLP field names); partial_success only when there is something to say. */
export function responseObject(signal: OtlpSignal, outcome: ExportOutcome): Record<string, unknown> {
  if (outcome.rejected === 0 && !outcome.message) return {};
  return { partialSuccess: { [REJECTED_FIELD[signal]]: outcome.rejected, errorMessage: outcome.message } };
}

/** The response body in the request's encoding. */
export function encodeResponse(signal: OtlpSignal, encoding: OtlpEncoding, outcome: ExportOutcome): Buffer | string {
  const object = responseObject(signal, outcome);
  if (encoding === 'json') return JSON.stringify(object);
  const type = RESPONSE_TYPES[signal];
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

/** The response message, encoded for gRPC. */
export function encodeGrpcResponse(signal: OtlpSignal, outcome: ExportOutcome): Buffer {
  return encodeResponse(signal, 'protobuf', outcome) as Buffer;
}
