/**
 * POST /api/v1/litellm: LiteLLM's `generic_api` logging callback (StandardLoggingPayloads as a JSON array, NDJSON
 * or one object; LiteLLM labels all three application/json). Failed calls and LiteLLM cache hits are counted as ignored.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { fromLiteLLMPayload } from '../ingest/litellm/litellm-payload';
import { bodyFormat, bodyTooLarge, readEvents, unsupportedBodyType } from '../ingest/read-events';
import { ingestAnswer } from './ingest-answer';
import { eventValidator } from '../ingest/scoped-events';
import type { RouteDeps } from './route-deps';
import type { IngestResponse } from '../../shared';

export interface LiteLLMIngestResponse extends IngestResponse {
  /** Payloads of failed calls and of answers from LiteLLM's response cache, which carry no model usage. */
  ignored: number;
}

export const litellmRoutes =
  ({ config, store, metrics }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    app.post('/api/v1/litellm', { config: { access: 'ingest' } }, async (request, reply): Promise<LiteLLMIngestResponse> => {
      const format = bodyFormat(request.headers['content-type']);
      if (!format) throw unsupportedBodyType(request.headers['content-type']);
      const length = Number(request.headers['content-length']);
      if (Number.isFinite(length) && length > config.maxBodyBytes) throw bodyTooLarge(config.maxBodyBytes);
      const body = (request.body as Readable | undefined) ?? request.raw;
      const read = await readEvents(body, format, config.maxBodyBytes, eventValidator(request.principal, store.heldFrom?.().raw ?? 0), {
        toUsageEvent: fromLiteLLMPayload,
        ndjsonInJson: true,
      });
      const stored = await store.ingest(read.events);
      metrics.recordIngest(stored.stored, stored.duplicates, read.rejectedTotal);
      return { ...ingestAnswer(reply, read, stored), ignored: read.ignored };
    });
  };
