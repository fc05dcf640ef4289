/** GET /api/v1/dimensions/{dimension}/values: the values seen in the range, for Grafana variables and filters. */
import type { FastifyPluginAsync } from 'fastify';
import { DIMENSION_IDS, type DimensionId, type DimensionValuesResponse } from '../../shared';
import { ClientError } from '../errors';
import { listDimensionValues, prepareQuery } from '../query';
import { queryFromParams, type QueryParams } from './query-params';
import type { RouteDeps } from './route-deps';

/** Without a range, values seen in the last 30 days. */
const DEFAULT_RANGE_MS = 30 * 86_400_000;

export const dimensionRoutes =
  ({ store }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { dimension: string }; Querystring: QueryParams }>(
      '/api/v1/dimensions/:dimension/values',
      async (request): Promise<DimensionValuesResponse> => {
        const dimension = request.params.dimension;
        if (!(DIMENSION_IDS as readonly string[]).includes(dimension)) {
          throw new ClientError(`unknown dimension '${dimension}'; valid dimensions: ${DIMENSION_IDS.join(', ')}`, 400, 'invalid_query');
        }
        const now = Date.now();
        const input = queryFromParams(request.query, 'ranking', { from: now - DEFAULT_RANGE_MS, to: now + 1 });
        const q = prepareQuery({ ...input, dimension, metrics: ['requests'] }, request.principal?.scope ?? null);
        return listDimensionValues(store, q, dimension as DimensionId);
      },
    );
  };
