/** A Grafana query request run against the backend: one API call per visible target, each failure kept to its own refId. */
import { LoadingState, type DataFrame, type DataQueryError, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { catchError, forkJoin, map, of, type Observable } from 'rxjs';
import { describeFetchError, type TokenscopeApi } from './api-client';
import type { TemplateReplacer } from './interpolate';
import { buildRequest } from './request';
import { toFrames } from './frames';
import type { LinkSettings } from './links';
import type { TokenscopeQuery } from './types';

interface TargetResult {
  frames: DataFrame[];
  error?: DataQueryError;
}

/** Hidden targets never get here: Grafana drops them through the data source's `filterQuery`. */
export function runQuery(
  api: TokenscopeApi,
  templateSrv: TemplateReplacer,
  request: DataQueryRequest<TokenscopeQuery>,
  links: LinkSettings = {},
): Observable<DataQueryResponse> {
  const targets = request.targets;
  if (targets.length === 0) return of({ data: [], state: LoadingState.Done });
  const context = {
    from: request.range.from.valueOf(),
    to: request.range.to.valueOf(),
    timezone: request.timezone,
    intervalMs: request.intervalMs,
    maxDataPoints: request.maxDataPoints,
    scopedVars: request.scopedVars,
    adhocFilters: request.filters,
  };
  const runs = targets.map((target): Observable<TargetResult> => {
    const built = buildRequest(target, context, templateSrv);
    if (!built.ok) return of({ frames: [], error: { refId: target.refId, message: built.error } });
    // The filters leave no value: an empty list would mean "all" to the backend, so nothing is asked.
    if (built.matchesNothing) return of({ frames: [] });
    return api.query(built.body, `${request.requestId}-${target.refId}`).pipe(
      map((response) => ({ frames: toFrames(response, target.refId, built.metrics, { links, filters: built.body.filters }) })),
      catchError((error: unknown) => {
        const failure = describeFetchError(error);
        return of({ frames: [], error: { refId: target.refId, message: failure.message, status: failure.status } });
      }),
    );
  });
  return forkJoin(runs).pipe(
    map((results) => {
      const errors = results.flatMap((r) => (r.error ? [r.error] : []));
      return {
        data: results.flatMap((r) => r.frames),
        ...(errors.length ? { errors, error: errors[0] } : {}),
        state: errors.length ? LoadingState.Error : LoadingState.Done,
      };
    }),
  );
}
