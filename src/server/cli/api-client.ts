/** The CLI's HTTP client for a running backend: URL and token from options and the environment, server errors as messages. */
import type { ApiQueryInput, IngestResponse, QueryResponse, RepriceResponse } from '../../shared';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** An answer from the server that is not a success; the message is the server's own. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  readonly url: string;
  query<T extends QueryResponse>(query: ApiQueryInput): Promise<T>;
  /** Sends NDJSON lines (one event each) to POST /api/v1/usage. */
  ingest(ndjson: string): Promise<IngestResponse>;
  /** POST /api/v1/reprice: applies the server's price table to the usage stored in [from, to). */
  reprice(range: { from: number | string; to: number | string }): Promise<RepriceResponse>;
}

/**
 * A client for `--url` (else TOKENSCOPE_URL, else http://127.0.0.1:8080). The token comes only from
 * TOKENSCOPE_TOKEN: a command-line argument would show in `ps`.
 */
export function apiClientFromEnv(urlOption: string | undefined, env: NodeJS.ProcessEnv = process.env): ApiClient {
  return createApiClient(urlOption ?? env.TOKENSCOPE_URL ?? DEFAULT_URL, env.TOKENSCOPE_TOKEN || undefined);
}

export function createApiClient(url: string, token?: string): ApiClient {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`--url: '${url}' is not a URL such as ${DEFAULT_URL}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`--url: '${url}' must start with http:// or https://`);
  const root = base.href.replace(/\/+$/, '');
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

  /** `isAnswer` recognises an error status whose body is still the answer (a batch with nothing usable). */
  async function call<T>(path: string, contentType: string, body: string, isAnswer: (parsed: unknown) => boolean = () => false): Promise<T> {
    let res: Response;
    try {
      res = await fetch(root + path, { method: 'POST', headers: { 'content-type': contentType, ...auth }, body });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `could not reach ${root} (${cause?.code ?? cause?.message ?? (err as Error).message}); is tokenscope running there? Set --url or TOKENSCOPE_URL`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok && !isAnswer(parsed)) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      const hint = res.status === 401 && !token ? ' (set TOKENSCOPE_TOKEN)' : '';
      throw new ApiError(`${error?.message ?? `HTTP ${res.status}: ${text.slice(0, 200)}`}${hint}`, res.status, error?.code ?? `http_${res.status}`);
    }
    if (parsed === undefined) throw new Error(`${root}${path} answered with something that is not JSON: ${text.slice(0, 200)}`);
    return parsed as T;
  }

  return {
    url: root,
    query: (query) => call('/api/v1/query', 'application/json', JSON.stringify(query)),
    reprice: (range) =>
      call('/api/v1/reprice', 'application/json', JSON.stringify(range), (parsed) => typeof (parsed as RepriceResponse | undefined)?.changed === 'number'),
    ingest: (ndjson) =>
      call('/api/v1/usage', 'application/x-ndjson', ndjson, (parsed) => typeof (parsed as IngestResponse | undefined)?.rejected_total === 'number'),
  };
}
