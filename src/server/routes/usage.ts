/** POST /api/v1/usage: stores a JSON array or NDJSON of usage events, listing the rejected ones by index. */
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { bodyFormat, bodyTooLarge, readEvents, unsupportedBodyType } from '../ingest/read-events';
import { ingestAnswer } from './ingest-answer';
import { eventValidator } from '../ingest/scoped-events';
import type { IngestResponse } from '../../shared';
import type { RouteDeps } from './route-deps';

export const usageRoutes =
  ({ config, store, metrics }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    // The body is read here, as a stream, whatever its type: no parser buffers it first.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    app.post('/api/v1/usage', { config: { access: 'ingest' } }, async (request, reply): Promise<IngestResponse> => {
      const format = bodyFormat(request.headers['content-type']);
      if (!format) throw unsupportedBodyType(request.headers['content-type']);
      const length = Number(request.headers['content-length']);
      if (Number.isFinite(length) && length > config.maxBodyBytes) throw bodyTooLarge(config.maxBodyBytes);
      const body = (request.body as Readable | undefined) ?? request.raw;
      const read = await readEvents(body, format, config.maxBodyBytes, eventValidator(request.principal, store.heldFrom?.().raw ?? 0));
      const stored = await store.ingest(read.events);
      metrics.recordIngest(stored.stored, stored.duplicates, read.rejectedTotal);
      return ingestAnswer(reply, read, stored);
    });
  };
