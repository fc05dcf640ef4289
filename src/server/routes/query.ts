/** POST /api/v1/query: totals, rankings and trends. */
import type { FastifyPluginAsync } from 'fastify';
import type { QueryResponse } from '../../shared';
import { ClientError } from '../errors';
import { answerQuery, prepareQuery } from '../query';
import type { RouteDeps } from './route-deps';

export const queryRoutes =
  ({ store, config }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.post('/api/v1/query', async (request): Promise<QueryResponse> => {
      if (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body)) {
        throw new ClientError('body must be a JSON object such as {"type":"totals","from":…,"to":…}', 400, 'invalid_query');
      }
      const q = prepareQuery(request.body, request.principal?.scope ?? null);
      return { ...(await answerQuery(store, q)), currency: config.prices.currency };
    });
  };
