/** POST /api/v1/usage: stores a JSON array or NDJSON of usage events, listing the rejected ones by index. */
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { ClientError } from '../errors';
import { bodyFormat, bodyTooLarge, readEvents } from '../ingest/read-events';
import { eventValidator } from '../ingest/scoped-events';
import type { RouteDeps } from './route-deps';

export interface IngestResponse {
  accepted: number;
  duplicates: number;
  rejected: { index: number; error: string }[];
  /** All rejections; `rejected` lists at most the first 1000. */
  rejected_total: number;
}

export const usageRoutes =
  ({ config, store, metrics }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    // The body is read here, as a stream, whatever its type: no parser buffers it first.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    app.post('/api/v1/usage', { config: { access: 'ingest' } }, async (request): Promise<IngestResponse> => {
      const format = bodyFormat(request.headers['content-type']);
      if (!format) {
        throw new ClientError(`unsupported Content-Type '${request.headers['content-type']}'; send application/json or application/x-ndjson`, 415, 'unsupported_media_type');
      }
      const length = Number(request.headers['content-length']);
      if (Number.isFinite(length) && length > config.maxBodyBytes) throw bodyTooLarge(config.maxBodyBytes);
      const body = (request.body as Readable | undefined) ?? request.raw;
      const read = await readEvents(body, format, config.maxBodyBytes, eventValidator(request.principal));
      const stored = await store.ingest(read.events);
      metrics.recordIngest(stored.stored, stored.duplicates, read.rejectedTotal);
      return { accepted: stored.accepted, duplicates: stored.duplicates, rejected: read.rejected, rejected_total: read.rejectedTotal };
    });
  };
