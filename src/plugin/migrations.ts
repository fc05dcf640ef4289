/**
 * Saved-query migration where Grafana plugin engineers look for it. The rules live in the shared model
 * (`migrateSavedQuery`), so the backend, the CLI and the dashboards generator read old queries the same way;
 * this module gives them the plugin's query type and keeps Grafana's fields (refId, datasource, hide) as they are.
 */
import { migrateSavedQuery } from '../shared';
import type { TokenscopeQuery } from './types';

/** The query in the current saved shape; an up-to-date query comes back as the very same object. */
export function migrateQuery(query: TokenscopeQuery): TokenscopeQuery {
  return migrateSavedQuery(query) as TokenscopeQuery;
}
