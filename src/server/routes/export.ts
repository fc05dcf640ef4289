/** GET /api/v1/export: the detailed ranking data as CSV, one row per resource per bucket, with every metric. */
import { stringify } from 'csv-stringify';
import type { FastifyPluginAsync } from 'fastify';
import { Readable } from 'node:stream';
import { DateTime } from 'luxon';
import { DEFAULTS, METRIC_IDS, formatMicros, metricDefinition, parseApiQuery } from '../../shared';
import { ClientError } from '../errors';
import { metricValue, moneyMicros } from '../query/metric-values';
import { normaliseQuery } from '../query/normalise';
import { trendData } from '../query/trend';
import { queryFromParams, type QueryParams } from './query-params';
import type { RouteDeps } from './route-deps';

export const exportRoutes =
  ({ store }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Querystring: QueryParams }>('/api/v1/export', async (request, reply) => {
      const input = queryFromParams(request.query, 'trend', { metrics: [...METRIC_IDS], dimension: DEFAULTS.dimension });
      const parsed = parseApiQuery(input);
      if (!parsed.ok) throw new ClientError(parsed.errors.join('; '), 400, 'invalid_query');
      const q = normaliseQuery(parsed.query, request.principal?.scope ?? null);
      const dimension = q.dimension ?? DEFAULTS.dimension;
      const data = await trendData(store, { ...q, dimension });

      const withId = dimension === 'api_key';
      // Money is written exactly, from the integer micro-unit sums: no binary fraction reaches an accounting sheet.
      const money = new Set(q.metrics.filter((m) => metricDefinition(m).formula.kind === 'money'));
      const csv = stringify({
        header: true,
        columns: ['time', dimension, ...(withId ? ['api_key_id'] : []), ...q.metrics],
      });
      const name = `tokenscope-${dimension}-${DateTime.fromMillis(q.from, { zone: q.timezone }).toFormat('yyyyMMdd-HHmm')}.csv`;
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`);
      // Rows are generated as the response drains; buckets where a resource had no calls are left out.
      function* rows(): Generator<Record<string, unknown>> {
        for (let i = 0; i < data.spans.length; i++) {
          const time = DateTime.fromMillis(data.boundaries[i], { zone: q.timezone }).toISO({ suppressMilliseconds: true });
          for (const { key, label } of data.keys) {
            const sums = data.sums.get(key)![i];
            if (sums.requests === 0) continue;
            const row: Record<string, unknown> = { time, [dimension]: key === null ? 'other' : label };
            if (withId) row.api_key_id = key ?? '';
            for (const m of q.metrics) row[m] = money.has(m) ? formatMicros(moneyMicros(m, sums)) : roundForPeople(metricValue(m, sums, data.spans[i]), metricDefinition(m).decimals);
            yield row;
          }
        }
      }
      Readable.from(rows()).pipe(csv);
      return reply.send(csv);
    });
  };

/** A value as a person reads it in a spreadsheet: rounded to the metric's decimals, empty where there is none. */
function roundForPeople(value: number | null, decimals: number): number | '' {
  if (value === null) return '';
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
