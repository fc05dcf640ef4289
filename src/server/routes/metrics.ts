/** GET /metrics: the live counters, ingest outcomes, request durations and process metrics for Prometheus. */
import type { FastifyPluginAsync } from 'fastify';
import type { RouteDeps } from './route-deps';

export const metricsRoutes =
  ({ metrics }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/metrics', { config: { access: 'metrics' } }, async (request, reply) => {
      reply.type(metrics.contentType);
      return metrics.render(request.principal?.scope ?? null);
    });
  };
