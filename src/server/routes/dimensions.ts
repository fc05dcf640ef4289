/** GET /api/v1/dimensions/{dimension}/values: the values seen in the range, for Grafana variables and filters. */
import type { FastifyPluginAsync } from 'fastify';
import { DIMENSION_IDS, parseApiQuery, type DimensionId, type DimensionValuesResponse } from '../../shared';
import { ClientError } from '../errors';
import { normaliseQuery } from '../query/normalise';
import { rankedKeys } from '../query/ranking';
import { queryFromParams, type QueryParams } from './query-params';
import type { RouteDeps } from './route-deps';

/** Without a range, values seen in the last 30 days. */
const DEFAULT_RANGE_MS = 30 * 86_400_000;

export const dimensionRoutes =
  ({ store }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { dimension: string }; Querystring: QueryParams }>('/api/v1/dimensions/:dimension/values', async (request): Promise<DimensionValuesResponse> => {
      const dimension = request.params.dimension;
      if (!(DIMENSION_IDS as readonly string[]).includes(dimension)) {
        throw new ClientError(`unknown dimension '${dimension}'; valid dimensions: ${DIMENSION_IDS.join(', ')}`, 400, 'invalid_query');
      }
      const now = Date.now();
      const input = queryFromParams(request.query, 'ranking', { from: now - DEFAULT_RANGE_MS, to: now + 1 });
      const parsed = parseApiQuery({ ...input, dimension, metrics: ['requests'] });
      if (!parsed.ok) throw new ClientError(parsed.errors.join('; '), 400, 'invalid_query');
      const q = normaliseQuery(parsed.query, request.principal?.scope ?? null);
      const rows = await rankedKeys(store, q, dimension as DimensionId, 'requests');
      const values = rows.map((r) => ({ value: r.key!, label: r.label ?? r.key! }));
      values.sort((a, b) => a.label.localeCompare(b.label));
      return { values };
    });
  };
