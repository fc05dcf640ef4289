/** GET /api/v1/openapi.json: the API described for people and code generators (filled in by its own module). */
import type { FastifyPluginAsync } from 'fastify';
import { openapiDocument } from '../openapi-document';

export const openapiRoutes = (): FastifyPluginAsync => async (app) => {
  const document = openapiDocument();
  app.get('/api/v1/openapi.json', { config: { access: 'public' } }, async () => document);
};
