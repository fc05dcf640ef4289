/**
 * Resolves what a validated query leaves open: `auto` granularity, stored API-key ids, the bucket limit, and the
 * caller's token scope, which every route's query passes through here.
 */
import { GRANULARITIES, LIMITS, type FixedGranularity, type ResolvedApiQuery, type Scope } from '../../shared';
import { ClientError } from '../errors';
import type { RowFilters } from '../storage/engine';
import { bucketCount } from './buckets';
import { scopedFilters } from './scoped-filters';

/** A query ready to plan: every field resolved, its filters limited to the caller's scope. */
export interface NormalisedQuery extends Omit<ResolvedApiQuery, 'granularity' | 'filters'> {
  granularity: FixedGranularity;
  filters: RowFilters;
}

/** `scope`: what the caller's token may see (null: everything); required, so no route can forget it. */
export function normaliseQuery(q: ResolvedApiQuery, scope: Scope | null): NormalisedQuery {
  const filters = scopedFilters(q.filters, scope);
  const granularity = q.granularity === 'auto' ? autoGranularity(q) : q.granularity;
  if (q.type === 'trend') checkBucketCount(q.from, q.to, granularity);
  return { ...q, filters, granularity };
}

/** The finest granularity at least as coarse as Grafana's interval and the range spread over maxDataPoints. */
function autoGranularity(q: ResolvedApiQuery): FixedGranularity {
  const wanted = Math.max(q.intervalMs ?? 0, (q.to - q.from) / q.maxDataPoints);
  return (GRANULARITIES.find((g) => g.ms >= wanted) ?? GRANULARITIES[GRANULARITIES.length - 1]).id;
}

function checkBucketCount(from: number, to: number, granularity: FixedGranularity): void {
  const count = bucketCount(from, to, granularity);
  if (count <= LIMITS.maxBuckets) return;
  const fits = GRANULARITIES.find((g) => bucketCount(from, to, g.id) <= LIMITS.maxBuckets);
  const advice = fits ? `use granularity '${fits.id}' or coarser` : 'shorten the time range';
  throw new ClientError(
    `granularity: '${granularity}' gives about ${count.toLocaleString('en-US')} buckets over this range, more than ${LIMITS.maxBuckets.toLocaleString('en-US')}; ${advice}`,
    400,
    'too_many_buckets',
  );
}
