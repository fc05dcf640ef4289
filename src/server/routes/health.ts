/** GET /api/v1/health (read token: what Grafana's "Save & test" calls; events inside the token's scope) and GET /healthz (public liveness). */
import type { FastifyPluginAsync } from 'fastify';
import type { HealthResponse } from '../../shared';
import { countEvents } from '../query';
import type { RouteDeps } from './route-deps';

export const healthRoutes =
  ({ config, store }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/api/v1/health', async (request): Promise<HealthResponse> => ({
      status: 'ok',
      service: 'tokenscope',
      version: config.version,
      engine: store.engine,
      // A scoped token counts only the events inside its scope.
      events: await countEvents(store, request.principal?.scope ?? null),
      auth: config.authEnabled,
    }));
    app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  };
