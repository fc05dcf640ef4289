/** GET /api/v1/export: the detailed ranking data as CSV, one row per resource per bucket, with every metric. */
import { stringify } from 'csv-stringify';
import type { FastifyPluginAsync } from 'fastify';
import { Readable } from 'node:stream';
import { DateTime } from 'luxon';
import { DEFAULTS, METRIC_IDS } from '../../shared';
import { exportRows, prepareQuery } from '../query';
import { queryFromParams, type QueryParams } from './query-params';
import type { RouteDeps } from './route-deps';

export const exportRoutes =
  ({ store }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Querystring: QueryParams }>('/api/v1/export', async (request, reply) => {
      const input = queryFromParams(request.query, 'trend', { metrics: [...METRIC_IDS], dimension: DEFAULTS.dimension });
      const q = prepareQuery(input, request.principal?.scope ?? null);
      const { dimension, columns, rows } = await exportRows(store, q);
      const csv = stringify({ header: true, columns });
      const name = `tokenscope-${dimension}-${DateTime.fromMillis(q.from, { zone: q.timezone }).toFormat('yyyyMMdd-HHmm')}.csv`;
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`);
      Readable.from(rows).pipe(csv);
      return reply.send(csv);
    });
  };
