/** How many events a caller may see: the store's own count, or, with a scope, the requests inside it. */
import type { Scope } from '../../shared';
import type { Store } from '../storage/engine';
import { planRange } from './plan';
import { scopedFilters } from './scoped-filters';

const DAY_MS = 86_400_000;

/** `scope` null: every stored event. */
export async function countEvents(store: Store, scope: Scope | null): Promise<number> {
  if (!scope) return store.eventCount();
  // Whole UTC days from the epoch to past the latest timestamp ingest accepts (a day ahead): day rollups only.
  const to = (Math.floor(Date.now() / DAY_MS) + 3) * DAY_MS;
  const rows = await store.aggregate({ pieces: planRange(0, to, store.heldFrom?.()), filters: scopedFilters({}, scope), sums: ['requests'] });
  return rows.reduce((n, r) => n + r.sums.requests, 0);
}
