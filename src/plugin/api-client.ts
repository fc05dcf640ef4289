/**
 * Calls to the Tokenscope backend through Grafana's data source proxy, and the wording of their failures.
 * Every URL is `<instanceSettings.url>/<ROUTE_PATH>/api/v1/…`: the proxy matches the plugin.json route by
 * ROUTE_PATH, strips it, appends the rest (`/api/v1/…`) to the route's url and adds the bearer token.
 */
import type { BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { lastValueFrom, map, Observable } from 'rxjs';
import type { ApiQueryInput, DimensionValuesResponse, HealthResponse, QueryResponse } from '../shared';
import { LABELS } from './labels';

/** The `path` of the route in plugin.json; a test keeps the two equal. */
export const ROUTE_PATH = 'tokenscope';

/** The part of Grafana's BackendSrv this plugin uses (so tests and other hosts can supply their own). */
export interface FetchSrv {
  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>>;
}

/** A failed call, with the message a person should read. */
export class TokenscopeApiError extends Error {
  constructor(
    message: string,
    /** HTTP status as Grafana reported it; 0 when there was no response. */
    readonly status: number,
    readonly kind: 'backend' | 'auth' | 'unreachable' | 'not-tokenscope' | 'other',
  ) {
    super(message);
    this.name = 'TokenscopeApiError';
  }
}

export class TokenscopeApi {
  constructor(
    /** `instanceSettings.url`: Grafana's proxy URL for this data source, e.g. `/api/datasources/proxy/uid/tokenscope`. */
    private readonly proxyUrl: string,
    /** Looked up on each call, so Grafana's (or a test's) BackendSrv set after construction is used. */
    private readonly fetchSrv: () => FetchSrv,
  ) {}

  /** `/api/v1/…` on the backend → the URL to call through Grafana's proxy. */
  url(apiPath: string): string {
    return `${this.proxyUrl.replace(/\/+$/, '')}/${ROUTE_PATH}${apiPath}`;
  }

  /** POST /api/v1/query. `requestId` lets Grafana cancel a superseded request. */
  query(body: ApiQueryInput, requestId?: string): Observable<QueryResponse> {
    return this.call<QueryResponse>({ method: 'POST', url: this.url('/api/v1/query'), data: body, requestId });
  }

  /** GET /api/v1/dimensions/{dimension}/values in [from, to), narrowed by filters. */
  getDimensionValues(
    dimension: string,
    params: { from?: number; to?: number; filters?: Record<string, string[]> },
  ): Promise<DimensionValuesResponse['values']> {
    const query: Record<string, string> = {};
    if (params.from !== undefined) query.from = String(params.from);
    if (params.to !== undefined) query.to = String(params.to);
    // JSON keeps values that contain commas intact (see the backend's routes/query-params.ts).
    if (params.filters && Object.keys(params.filters).length > 0) query.filters = JSON.stringify(params.filters);
    const request = this.call<DimensionValuesResponse>({
      method: 'GET',
      url: this.url(`/api/v1/dimensions/${encodeURIComponent(dimension)}/values`),
      params: query,
    });
    return lastValueFrom(request.pipe(map((r) => r.values)));
  }

  /** GET /api/v1/health; rejects with a TokenscopeApiError when the answer is not Tokenscope's. */
  async health(): Promise<HealthResponse> {
    const body = await lastValueFrom(this.call<unknown>({ method: 'GET', url: this.url('/api/v1/health') }));
    if (!isHealth(body)) throw new TokenscopeApiError(LABELS.errors.notTokenscope, 200, 'not-tokenscope');
    return body;
  }

  private call<T>(options: BackendSrvRequest): Observable<T> {
    return new Observable<T>((subscriber) => {
      const subscription = this.fetchSrv()
        // Errors are shown in the panel or the Save & test box, not as Grafana's global toast.
        .fetch<T>({ ...options, showErrorAlert: false, showSuccessAlert: false })
        .subscribe({
          next: (response) => subscriber.next(response.data),
          error: (error: unknown) => subscriber.error(describeFetchError(error)),
          complete: () => subscriber.complete(),
        });
      return () => subscription.unsubscribe();
    });
  }
}

function isHealth(body: unknown): body is HealthResponse {
  return typeof body === 'object' && body !== null && (body as HealthResponse).service === 'tokenscope' && (body as HealthResponse).status === 'ok';
}

/**
 * A BackendSrv failure as a TokenscopeApiError. Grafana's proxy turns a backend 401 into a 400 whose body is
 * "Authentication to data source failed" (pkg/api/pluginproxy/ds_proxy.go), and an unreachable backend
 * into 502 (or 504 on a timeout).
 */
export function describeFetchError(error: unknown): TokenscopeApiError {
  if (error instanceof TokenscopeApiError) return error;
  const { status = 0, data, statusText } = (error ?? {}) as Partial<FetchError>;
  const backendMessage = errorBodyMessage(data);
  const text = typeof data === 'string' ? data : typeof data?.message === 'string' ? data.message : '';
  if (status === 401 || status === 403 || /authentication to data source failed/i.test(text)) {
    return new TokenscopeApiError(LABELS.errors.auth(status, backendMessage), status, 'auth');
  }
  if (backendMessage) return new TokenscopeApiError(backendMessage, status, 'backend');
  if (status === 0 || status === 502 || status === 503 || status === 504) {
    return new TokenscopeApiError(LABELS.errors.unreachable(status, statusText), status, 'unreachable');
  }
  if (status === 404) return new TokenscopeApiError(LABELS.errors.notTokenscope, status, 'not-tokenscope');
  const detail = text || (error instanceof Error ? error.message : '') || statusText || 'request failed';
  return new TokenscopeApiError(`${LABELS.errors.prefix}: ${status ? `HTTP ${status}: ` : ''}${detail}`, status, 'other');
}

/** The message of the backend's `{"error":{"code","message"}}` body, when that is what came back. */
function errorBodyMessage(data: unknown): string | undefined {
  const error = (data as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return typeof error?.message === 'string' && typeof error.code === 'string' ? `${LABELS.errors.prefix}: ${error.message}` : undefined;
}
