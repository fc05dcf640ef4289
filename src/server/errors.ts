/** The server's error types: a client mistake (4xx) or an unavailable store (503); anything else is a 500. */
import { maskSecrets } from './api-keys';

/** A request the client must change: the message says what to send instead. */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 408 | 413 | 415 | 422 | 429 | 501 = 400,
    readonly code: string = 'bad_request',
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

/** A caller over its rate limit (429): `retryAfterSeconds` becomes the Retry-After header. */
export class RateLimitedError extends ClientError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, 429, 'rate_limited');
    this.name = 'RateLimitedError';
  }
}

/** A query stopped for reading too many rows or running too long (422): the message says what to narrow. */
export class QueryLimitError extends ClientError {
  constructor(message: string) {
    super(message, 422, 'query_too_costly');
    this.name = 'QueryLimitError';
  }
}

/** The store cannot read or write right now (disk full, read-only, database down); retrying later may work. */
export class StoreUnavailableError extends Error {
  readonly status = 503;
  readonly code = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The JSON body of every error response; a secret-looking word the message quotes is masked. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message: maskSecrets(message) } };
}
