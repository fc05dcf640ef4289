/** Starts the server: configuration, logger, store, HTTP app; closes them in order on SIGINT/SIGTERM. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app';
import type { Config } from './config';
import { createLogger } from './logger';
import { withPricing } from './pricing/priced-store';
import { openStore } from './storage/open-store';
import type { Store } from './storage/engine';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  logger: Logger;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
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
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, engine: store.engine, db: config.store === 'duckdb' ? config.db : undefined, version: config.version }, 'tokenscope listening');
  if (!config.authEnabled) logger.warn('auth is off: no TOKENSCOPE_INGEST_TOKENS / TOKENSCOPE_READ_TOKENS set, listening on loopback only');
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    logger,
    url,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await store.close();
      })()),
  };
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
