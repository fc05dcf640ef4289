/** Starts the server: configuration, logger, store, HTTP app; closes them in order on SIGINT/SIGTERM. */
import type { FastifyInstance } from 'fastify';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { buildApp } from './app';
import { startOtlpGrpcServer, type OtlpGrpcServer } from './routes/otlp-grpc';
import type { Config } from './config';
import { createLogger } from './logger';
import { logMemory } from './memory-log';
import { withPricing } from './pricing/priced-store';
import { openStore } from './storage/open-store';
import type { Store } from './storage/engine';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  logger: Logger;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The OTLP/HTTP port's address (TOKENSCOPE_OTLP_PORT), e.g. http://127.0.0.1:4318, when configured. */
  otlpUrl: string | null;
  /** The OTLP/gRPC address (TOKENSCOPE_OTLP_GRPC_PORT), e.g. 127.0.0.1:4317, when configured. */
  otlpGrpcAddress: string | null;
  close(): Promise<void>;
}

/** Opens the configured store (or takes one already open, e.g. seeded by `tokenscope demo`) and listens. */
export async function startServer(config: Readonly<Config>, logger: Logger = createLogger(config.logLevel), openedStore?: Store): Promise<RunningServer> {
  const store = withPricing(openedStore ?? (await openStore(config, logger)), config.prices);
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp({ config, store, logger });
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // A tokens file that fails its checks, a port in use: what this call opened is closed again.
    await app?.close().catch(() => {});
    if (!openedStore) await store.close().catch(() => {});
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const hostPart = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostPart}:${port}`;
  const otlpHttp = config.otlpPort === null ? null : await listenOtlpHttp(app, config, config.otlpPort);
  const otlpUrl = otlpHttp ? `http://${hostPart}:${(otlpHttp.address() as { port: number }).port}` : null;
  const grpc: OtlpGrpcServer | null =
    config.otlpGrpcPort === null
      ? null
      : await startOtlpGrpcServer({
          host: config.host,
          port: config.otlpGrpcPort,
          maxBytes: config.maxBodyBytes,
          receiver: app.otlp,
          admit: app.admitIngest,
          oldestAccepted: () => store.heldFrom?.().raw ?? 0,
          logger,
        });
  if (otlpUrl || grpc) logger.info({ otlpHttp: otlpUrl ?? undefined, otlpGrpc: grpc?.address }, 'otlp listening');
  logger.info({ url, engine: store.engine, db: config.store === 'duckdb' ? config.db : undefined, version: config.version }, 'tokenscope listening');
  if (!config.authEnabled) logger.warn('auth is off: no TOKENSCOPE_INGEST_TOKENS / TOKENSCOPE_READ_TOKENS set, listening on loopback only');
  const stopMemoryLog = logMemory(logger, store.memory?.bind(store));
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    logger,
    url,
    otlpUrl,
    otlpGrpcAddress: grpc?.address ?? null,
    close: () =>
      (closing ??= (async () => {
        stopMemoryLog();
        await grpc?.close();
        if (otlpHttp) {
          otlpHttp.closeAllConnections();
          await new Promise((resolve) => otlpHttp.close(resolve));
        }
        await app.close();
        await store.close();
      })()),
  };
}

/**
 * The OTLP/HTTP port: a second listener whose requests go through the same app (routes, auth, limits), so an
 * exporter's default endpoint (port 4318, /v1/traces, /v1/metrics) works unchanged.
 */
async function listenOtlpHttp(app: FastifyInstance, config: Readonly<Config>, port: number): Promise<Server> {
  const server = createServer({ requestTimeout: config.requestTimeoutMs, headersTimeout: config.requestTimeoutMs }, (req, res) => app.routing(req, res));
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, config.host, () => resolve()));
  return server;
}

/** Closes the server on SIGINT/SIGTERM, then exits. */
export function closeOnSignals(server: RunningServer): void {
  const stop = (signal: string) => {
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
