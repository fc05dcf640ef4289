/**
 * POST /api/v1/reprice (an ingest token without a scope): applies the server's price table to the usage stored in a range, for when
 * the table was corrected after the usage came in, and says what changed. Costs the sources gave are kept.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { formatIssues, parseInstant, type RepriceResponse } from '../../shared';
import { ClientError } from '../errors';
import { eventCost } from '../pricing/event-cost';
import { createPriceLookup } from '../pricing/price-lookup';
import type { RouteDeps } from './route-deps';

const instant = z.unknown().transform((value, ctx) => {
  const parsed = parseInstant(value);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: value === undefined ? 'is required' : parsed.error });
    return z.NEVER;
  }
  return parsed.ms;
});
const bodySchema = z
  .object({ from: instant, to: instant }, { error: 'body must be a JSON object {"from":…,"to":…} (epoch ms or RFC 3339)' })
  .refine((b) => b.from < b.to, { error: 'must be after from', path: ['to'] });

const units = (micros: number) => micros / 1_000_000;

export const repriceRoutes =
  ({ config, store }: RouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.post('/api/v1/reprice', { config: { access: 'ingest' } }, async (request): Promise<RepriceResponse> => {
      const parsed = bodySchema.safeParse(request.body);
      if (!parsed.success) throw new ClientError(formatIssues(parsed.error.issues).join('; '), 400, 'invalid_request');
      // Repricing rewrites everyone's stored cost: a token scoped to part of the usage may not.
      if (request.principal?.scope) throw new ClientError('repricing needs an ingest token without a scope', 403, 'forbidden');
      if (!store.reprice) {
        throw new ClientError(`the ${store.engine} storage engine cannot reprice stored usage; new usage is priced as it arrives`, 501, 'not_supported');
      }
      const { from, to } = parsed.data;
      const lookup = createPriceLookup(config.prices);
      const groups = await store.reprice(from, to, (event) => eventCost(event, lookup));
      const sum = (pick: (g: (typeof groups)[number]) => number) => groups.reduce((n, g) => n + pick(g), 0);
      request.log.info({ from, to, events: sum((g) => g.events), changed: sum((g) => g.changed) }, 'repriced');
      return {
        from,
        to,
        currency: config.prices.currency,
        prices: config.prices.file,
        events: sum((g) => g.events),
        changed: sum((g) => g.changed),
        cost_before: units(sum((g) => g.costBefore)),
        cost_after: units(sum((g) => g.costAfter)),
        unpriced_tokens_before: sum((g) => g.unpricedBefore),
        unpriced_tokens_after: sum((g) => g.unpricedAfter),
        groups: groups
          .filter((g) => g.changed > 0)
          .sort((a, b) => Math.abs(b.costAfter - b.costBefore) - Math.abs(a.costAfter - a.costBefore) || b.changed - a.changed)
          .map((g) => ({
            service: g.service,
            model: g.model,
            events: g.events,
            changed: g.changed,
            cost_before: units(g.costBefore),
            cost_after: units(g.costAfter),
            unpriced_tokens_before: g.unpricedBefore,
            unpriced_tokens_after: g.unpricedAfter,
          })),
      };
    });
  };
