/** The HTTP app: routes, access control, and the one place where errors become JSON responses. */
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createAuthorizer, type Access } from './auth';
import { createTokenSource } from './tokens/token-source';
import type { Principal } from './tokens/token-set';
import type { Config } from './config';
import { ClientError, RateLimitedError, StoreUnavailableError, errorBody } from './errors';
import { createAppMetrics } from './metrics/app-metrics';
import { createRateLimiter } from './rate-limits';
import { dimensionRoutes } from './routes/dimensions';
import { exportRoutes } from './routes/export';
import { healthRoutes } from './routes/health';
import { litellmRoutes } from './routes/litellm';
import { metricsRoutes } from './routes/metrics';
import { openapiRoutes } from './routes/openapi';
import { otlpRoutes } from './routes/otlp';
import { createOtlpReceiver, type OtlpReceiver } from './ingest/otlp/otlp-receiver';
import { otlpMapping } from './ingest/otlp/span-to-usage';
import { queryRoutes } from './routes/query';
import { repriceRoutes } from './routes/reprice';
import { usageRoutes } from './routes/usage';
import type { Store } from './storage/engine';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; routes that say nothing need a read token. */
    access?: Access;
  }
  interface FastifyInstance {
    /** The OTLP receiver behind /v1/traces and /v1/metrics, which the OTLP/gRPC server shares. */
    otlp: OtlpReceiver;
    /** What the onRequest hook does for an ingest route (token, rate limits), for callers outside HTTP (OTLP/gRPC). */
    admitIngest(authorization: string | undefined, bytes: number): Principal | null;
  }
  interface FastifyRequest {
    /** The caller's token (name, roles, scope), set before the route runs; null when auth is off or the route is public. */
    principal: Principal | null;
  }
}

/** Seconds a client is told to wait before retrying when the store cannot write. */
const RETRY_AFTER_SECONDS = 5;

/** Reads and drops what is left of a body: true once it ended, false past `maxBytes` or if it broke off. */
function drain(body: NodeJS.ReadableStream & { readableEnded: boolean }, maxBytes: number): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = 0;
    const done = (ended: boolean) => {
      body.removeListener('data', onData);
      body.removeListener('end', onEnd);
      body.removeListener('error', onFail);
      body.removeListener('close', onFail);
      if (!ended) body.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done(false);
    };
    const onEnd = () => done(true);
    const onFail = () => done(false);
    body.on('data', onData).once('end', onEnd).once('error', onFail).once('close', onFail);
    body.resume();
  });
}

export interface AppDeps {
  config: Readonly<Config>;
  store: Store;
  logger: Logger;
}

/** Fastify's own 4xx errors, reworded to say what to send instead. */
const FASTIFY_ERRORS: Record<string, { code: string; message: (e: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json', message: (e) => `body is not valid JSON (${e.message})` },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', message: () => 'body is empty; send a JSON object' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body_too_large', message: () => 'body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: () => 'unsupported Content-Type; send application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'bad_request', message: () => 'Content-Length does not match the body' },
};

/** How often Node looks for requests past their timeout. */
const CHECK_TIMEOUTS_MS = 1000;

/**
 * Errors Node reports before a request reaches Fastify (a request that did not arrive whole in time, headers
 * too large, bytes that are not HTTP), answered in the same JSON shape; the connection then closes.
 */
function clientErrorHandler(requestTimeoutMs: number) {
  return (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, message] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', `the request did not arrive whole within ${requestTimeoutMs} ms; send it faster or in smaller batches`]
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'headers_too_large', 'request headers are too large; send shorter headers']
          : [400, 'bad_request', 'the request is not valid HTTP/1.1'];
    const body = JSON.stringify(errorBody(code, message));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}

export async function buildApp({ config, store, logger }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Request URLs may carry filter values (API keys): Fastify's own request lines are off; ours log the route only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    requestTimeout: config.requestTimeoutMs,
    // Node's defaults would stretch the request timeout: it applies the larger of the header timeout (60 s) and
    // the request timeout to a whole request, and checks only every 30 s.
    http: { headersTimeout: config.requestTimeoutMs, connectionsCheckingInterval: CHECK_TIMEOUTS_MS },
    // Silent sockets are closed a little after the request timeout, so a request that stalls gets its 408 first.
    connectionTimeout: config.requestTimeoutMs + 2 * CHECK_TIMEOUTS_MS,
    clientErrorHandler: clientErrorHandler(config.requestTimeoutMs),
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  const tokens = createTokenSource({ ingest: config.ingestTokens, read: config.readTokens, scrape: config.metricsTokens }, config.tokensFile, logger);
  app.addHook('onClose', async () => tokens.close());
  const authorizer = createAuthorizer(config.authEnabled, tokens.current);
  const metrics = createAppMetrics(config, logger, { storeMemory: store.memory?.bind(store) });

  if (config.corsOrigin) await app.register(cors, { origin: config.corsOrigin, allowedHeaders: ['authorization', 'content-type'] });

  const limiter = createRateLimiter(config);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    request.principal = authorizer.check(request.routeOptions.config?.access ?? 'read', request.headers.authorization);
    if (request.principal) limiter.charge(request.principal, Number(request.headers['content-length']) || 0);
  });
  // A request refused before its body was read in full closes the connection, so a client still uploading
  // gets the answer instead of waiting on a server that no longer reads.
  // A request refused before its body was read in full: the rest is read and dropped (up to twice the body
  // limit), so a client still uploading gets the answer on a connection that stays usable; past that bound
  // the connection closes after the answer instead.
  app.addHook('onError', async (request, reply) => {
    if (request.raw.readableEnded) return;
    if (!(await drain(request.raw, 2 * config.maxBodyBytes))) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  app.addHook('onResponse', async (request, reply) => metrics.observeRequest(request, reply));

  app.setErrorHandler((err: FastifyError | ClientError | StoreUnavailableError, request, reply) => {
    if (err instanceof RateLimitedError) reply.header('retry-after', String(err.retryAfterSeconds));
    if (err instanceof ClientError) return reply.status(err.status).send(errorBody(err.code, err.message));
    if (err instanceof StoreUnavailableError)
      return reply.status(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send(errorBody(err.code, err.message));
    const known = 'code' in err && err.code ? FASTIFY_ERRORS[err.code] : undefined;
    const status = 'statusCode' in err ? (err.statusCode ?? 500) : 500;
    if (known) return reply.status(status).send(errorBody(known.code, known.message(err as FastifyError)));
    if (status >= 400 && status < 500) return reply.status(status).send(errorBody('bad_request', err.message));
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', `internal error (request id ${request.id})`));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}; see /api/v1/openapi.json`));
  });

  const deps = { config, store, metrics };
  const otlp = createOtlpReceiver({
    store,
    options: { mapping: otlpMapping(config.otlpServiceAttributes, config.otlpApiKeyAttributes), metricsEnabled: config.otlpMetrics },
    onIngest: (stored, duplicates, rejected) => metrics.recordIngest(stored, duplicates, rejected),
  });
  app.decorate('otlp', otlp);
  app.decorate('admitIngest', (authorization: string | undefined, bytes: number) => {
    const principal = authorizer.check('ingest', authorization);
    if (principal) limiter.charge(principal, bytes);
    return principal;
  });
  await app.register(usageRoutes(deps));
  await app.register(otlpRoutes(deps, otlp));
  await app.register(litellmRoutes(deps));
  await app.register(queryRoutes(deps));
  await app.register(dimensionRoutes(deps));
  await app.register(exportRoutes(deps));
  await app.register(repriceRoutes(deps));
  await app.register(healthRoutes(deps));
  await app.register(metricsRoutes(deps));
  await app.register(openapiRoutes());
  return app;
}
