/**
 * A query's filters put together with its token's scope into the row filters a store reads: the intersection,
 * so a filter can narrow a scope but never widen it, and a filter entirely outside the scope reads nothing.
 */
import { DIMENSION_IDS, isPattern, scopeAllows, type Filters, type Scope } from '../../shared';
import { protectApiKey } from '../api-keys';
import type { RowFilters } from '../storage/engine';

/** `filters` as sent (raw API keys become the ids they are stored under), limited to `scope` (null: everything). */
export function scopedFilters(filters: Filters, scope: Scope | null): RowFilters {
  const out: RowFilters = {};
  for (const d of DIMENSION_IDS) {
    const asked = filters[d]?.length ? filters[d]!.map((v) => (d === 'api_key' ? protectApiKey(v).id : v)) : undefined;
    const allowed = scope?.[d];
    if (asked && allowed) out[d] = { values: asked.filter((v) => scopeAllows(scope!, d, v)) };
    else if (asked) out[d] = { values: asked };
    else if (allowed) out[d] = { values: allowed.filter((e) => !isPattern(e)), patterns: allowed.filter(isPattern) };
  }
  return out;
}
