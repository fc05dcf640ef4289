/** GET /api/v1/health (read token: what Grafana's "Save & test" calls) and GET /healthz (public liveness). */
import type { FastifyPluginAsync } from 'fastify';
import type { HealthResponse } from '../../shared';
import type { RouteDeps } from './route-deps';

export const healthRoutes =
  ({ config, store }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/api/v1/health', async (): Promise<HealthResponse> => ({
      status: 'ok',
      service: 'tokenscope',
      version: config.version,
      engine: store.engine,
      events: await store.eventCount(),
      auth: config.authEnabled,
    }));
    app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  };
