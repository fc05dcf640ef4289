/** POST /v1/traces and /v1/metrics: OTLP/HTTP (protobuf or JSON, optionally gzip) into the OTLP receiver. */
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { decodeOtlp, encodeResponse, inflate, otlpEncoding, type OtlpSignal } from '../ingest/otlp/otlp-http-body';
import type { OtlpReceiver } from '../ingest/otlp/otlp-receiver';
import { bodyTooLarge, readBytes } from '../ingest/read-events';
import { eventValidator } from '../ingest/scoped-events';
import type { RouteDeps } from './route-deps';

const CONTENT_TYPES = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

export const otlpRoutes =
  ({ config, store }: RouteDeps, receiver: OtlpReceiver): FastifyPluginAsync =>
  async (app) => {
    // Bodies are read here as bytes: protobuf and gzip are not for Fastify's parsers.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    const route = (signal: OtlpSignal, path: string) =>
      app.post(path, { config: { access: 'ingest' } }, async (request, reply) => {
        const encoding = otlpEncoding(request.headers['content-type']);
        const length = Number(request.headers['content-length']);
        if (Number.isFinite(length) && length > config.maxBodyBytes) throw bodyTooLarge(config.maxBodyBytes);
        const raw = await readBytes((request.body as Readable | undefined) ?? request.raw, config.maxBodyBytes);
        const message = decodeOtlp(signal, encoding, inflate(raw, request.headers['content-encoding'], config.maxBodyBytes));
        const check = eventValidator(request.principal, store.heldFrom?.().raw ?? 0);
        const outcome = signal === 'traces' ? await receiver.exportTraces(message, check) : await receiver.exportMetrics(message, check);
        reply.type(CONTENT_TYPES[encoding]);
        return encodeResponse(signal, encoding, outcome);
      });
    route('traces', '/v1/traces');
    route('metrics', '/v1/metrics');
  };
