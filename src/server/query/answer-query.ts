/**
 * The query layer's entry: `prepareQuery` turns what a client sent into a query the runners trust (parse, refuse
 * with every reason, normalise inside the caller's scope), and `answerQuery` runs it with the runner for its type.
 */
import { parseApiQuery, type QueryResponse, type Scope } from '../../shared';
import { ClientError } from '../errors';
import type { Store } from '../storage/engine';
import { answerCalls } from './calls';
import { answerMovers } from './movers';
import { normaliseQuery, type NormalisedQuery } from './normalise';
import { answerRanking, answerTotals } from './ranking';
import { answerTrend } from './trend';

/**
 * The one way from a client's JSON (a body, or parameters already turned into one) to a trusted query: a 400 that
 * lists every problem, or the query normalised inside `scope` (what the caller's token may see; null: everything).
 */
export function prepareQuery(input: unknown, scope: Scope | null): NormalisedQuery {
  const parsed = parseApiQuery(input);
  if (!parsed.ok) throw new ClientError(parsed.errors.join('; '), 400, 'invalid_query');
  return normaliseQuery(parsed.query, scope);
}

/** The answer to a prepared query, from the runner for its type. */
export async function answerQuery(store: Store, q: NormalisedQuery): Promise<QueryResponse> {
  switch (q.type) {
    case 'totals':
      return answerTotals(store, q);
    case 'ranking':
      return answerRanking(store, q);
    case 'trend':
      return answerTrend(store, q);
    case 'movers':
      return answerMovers(store, q);
    case 'calls':
      return answerCalls(store, q);
  }
}
