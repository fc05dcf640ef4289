/** Answers a validated API query: normalise, then the runner for its type. */
import type { QueryResponse, ResolvedApiQuery, Scope } from '../../shared';
import type { Store } from '../storage/engine';
import { runCalls } from './calls';
import { runMovers } from './movers';
import { normaliseQuery } from './normalise';
import { runRanking, runTotals } from './ranking';
import { runTrend } from './trend';

/** `scope`: what the caller's token may see (null: everything). */
export async function runQuery(store: Store, query: ResolvedApiQuery, scope: Scope | null): Promise<QueryResponse> {
  const q = normaliseQuery(query, scope);
  switch (q.type) {
    case 'totals':
      return runTotals(store, q);
    case 'ranking':
      return runRanking(store, q);
    case 'trend':
      return runTrend(store, q);
    case 'movers':
      return runMovers(store, q);
    case 'calls':
      return runCalls(store, q);
  }
}
