/** Answers a validated API query: normalise, then the runner for its type. */
import type { QueryResponse, ResolvedApiQuery } from '../../shared';
import type { Store } from '../storage/engine';
import { runCalls } from './calls';
import { runMovers } from './movers';
import { normaliseQuery } from './normalise';
import { runRanking, runTotals } from './ranking';
import { runTrend } from './trend';

export async function runQuery(store: Store, query: ResolvedApiQuery): Promise<QueryResponse> {
  const q = normaliseQuery(query);
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
