/**
 * POST /api/v1/litellm: LiteLLM's `generic_api` logging callback (StandardLoggingPayloads as a JSON array, NDJSON
 * or one object; LiteLLM labels all three application/json). Failed calls are counted as ignored.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { ClientError } from '../errors';
import { fromLiteLLMPayload } from '../ingest/litellm/litellm-payload';
import { bodyFormat, bodyTooLarge, readEvents } from '../ingest/read-events';
import type { RouteDeps } from './route-deps';
import type { IngestResponse } from './usage';

export interface LiteLLMIngestResponse extends IngestResponse {
  /** Payloads of failed calls, which carry no usage. */
  ignored: number;
}

export const litellmRoutes =
  ({ config, store, metrics }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    app.post('/api/v1/litellm', { config: { access: 'ingest' } }, async (request): Promise<LiteLLMIngestResponse> => {
      const format = bodyFormat(request.headers['content-type']);
      if (!format) {
        throw new ClientError(`unsupported Content-Type '${request.headers['content-type']}'; LiteLLM sends application/json`, 415, 'unsupported_media_type');
      }
      const length = Number(request.headers['content-length']);
      if (Number.isFinite(length) && length > config.maxBodyBytes) throw bodyTooLarge(config.maxBodyBytes);
      const body = (request.body as Readable | undefined) ?? request.raw;
      const read = await readEvents(body, format, config.maxBodyBytes, { toUsageEvent: fromLiteLLMPayload, ndjsonInJson: true });
      const stored = await store.ingest(read.events);
      metrics.recordIngest(stored.stored, stored.duplicates, read.rejectedTotal);
      return { accepted: stored.accepted, duplicates: stored.duplicates, ignored: read.ignored, rejected: read.rejected, rejected_total: read.rejectedTotal };
    });
  };
