/** POST /api/v1/query: totals, rankings and trends. */
import type { FastifyPluginAsync } from 'fastify';
import { parseApiQuery, type QueryResponse } from '../../shared';
import { ClientError } from '../errors';
import { runQuery } from '../query/run-query';
import type { RouteDeps } from './route-deps';

export const queryRoutes =
  ({ store, config }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.post('/api/v1/query', async (request): Promise<QueryResponse> => {
      if (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body)) {
        throw new ClientError('body must be a JSON object such as {"type":"totals","from":…,"to":…}', 400, 'invalid_query');
      }
      const parsed = parseApiQuery(request.body);
      if (!parsed.ok) throw new ClientError(parsed.errors.join('; '), 400, 'invalid_query');
      return { ...(await runQuery(store, parsed.query, request.principal?.scope ?? null)), currency: config.prices.currency };
    });
  };
