/** `tokenscope demo`: seeds N days of demo traffic straight into the store, then serves it with a live trickle. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Logger } from 'pino';
import { loadConfig } from '../config';
import { demoEvents, DEFAULT_EVENTS_PER_MINUTE } from '../demo/demo-traffic';
import { seedDemo, type SeedDemoResult } from '../demo/seed-demo';
import { createLogger } from '../logger';
import { withPricing } from '../pricing/priced-store';
import { closeOnSignals, startServer, type RunningServer } from '../main';
import { openStore } from '../storage/open-store';
import { createApiClient } from './api-client';
import { formatNumber } from './format';
import { createProgress } from './progress';

export interface DemoOptions {
  days?: number;
  eventsPerMinute?: number;
  port?: string;
  host?: string;
  db?: string;
}

/** How often the live trickle sends the events that came due since the last time. */
const TRICKLE_INTERVAL_MS = 5000;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('seed days of realistic demo traffic, then serve it and keep new events coming in')
    .option('--days <n>', 'days of history to seed before now (default 30)', positiveNumber)
    .option(
      '--events-per-minute <n>',
      `average traffic; the daily cycle swings around it (default ${DEFAULT_EVENTS_PER_MINUTE}, about 430,000 events in 30 days)`,
      positiveNumber,
    )
    .option('--port <port>', 'port to listen on (TOKENSCOPE_PORT, default 8080)')
    .option('--host <host>', 'address to listen on (TOKENSCOPE_HOST)')
    .option('--db <file>', 'DuckDB file (TOKENSCOPE_DB, default ./data/tokenscope.duckdb)')
    .action(async (options: DemoOptions) => {
      const server = await runDemo(options);
      // Signals are handled before the "running" line, so whoever waits for that line may stop it right away.
      closeOnSignals(server);
      process.stderr.write(runningHint(server.url));
    });
}

/** Seeds, starts the server and the live trickle; closing the returned server stops the trickle first. */
export async function runDemo(options: DemoOptions, env: NodeJS.ProcessEnv = process.env, out: NodeJS.WriteStream = process.stderr): Promise<RunningServer> {
  const config = loadConfig(env, { TOKENSCOPE_PORT: options.port, TOKENSCOPE_HOST: options.host, TOKENSCOPE_DB: options.db });
  const logger = createLogger(config.logLevel);
  const days = options.days ?? 30;
  const eventsPerMinute = options.eventsPerMinute ?? DEFAULT_EVENTS_PER_MINUTE;

  const store = await openStore(config, logger);
  let seeded: SeedDemoResult;
  const progress = createProgress(`seeding ${days} days`, out);
  try {
    seeded = await seedDemo(withPricing(store, config.prices), {
      days,
      eventsPerMinute,
      onProgress: (fraction, events) => progress.update(fraction, `${formatNumber(events)} events`),
    });
  } catch (err) {
    await store.close();
    throw err;
  } finally {
    progress.stop();
  }
  const seconds = seeded.ms / 1000;
  out.write(
    `seeded ${formatNumber(seeded.events)} events over ${days} days in ${seconds.toFixed(1)} s (${formatNumber(seeded.events / Math.max(seconds, 0.001))} events/s; ` +
      `${formatNumber(seeded.accepted)} new, ${formatNumber(seeded.duplicates)} already stored)\n`,
  );

  const server = await startServer(config, logger, store);
  const stopTrickle = startTrickle(server.url, config.authEnabled ? config.ingestTokens[0] : undefined, seeded.to, eventsPerMinute, server.logger);
  return {
    ...server,
    close: async () => {
      stopTrickle();
      await server.close();
    },
  };
}

function runningHint(url: string): string {
  return (
    `demo running at ${url} with live traffic every ${TRICKLE_INTERVAL_MS / 1000} s; try:\n` +
    `  curl -s ${url}/api/v1/health\n  npx tokenscope top --last 24h --url ${url}\n  npx tokenscope trend --last 1h --by model --url ${url}\n`
  );
}

/**
 * Every few seconds, sends the demo events whose time has come since the last send, through the HTTP API
 * like any client (so live metrics and auth see them). A failed send is retried with the next one; the
 * events' ids keep a retry from counting twice.
 */
function startTrickle(url: string, token: string | undefined, since: number, eventsPerMinute: number, logger: Logger): () => void {
  const client = createApiClient(url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:'), token);
  let sentUpTo = since;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    const now = Date.now();
    const lines = Array.from(demoEvents({ from: sentUpTo, to: now, eventsPerMinute }), (e) => JSON.stringify(e));
    try {
      if (lines.length > 0) await client.ingest(lines.join('\n'));
      sentUpTo = now;
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'demo trickle could not send; retrying with the next batch');
    } finally {
      busy = false;
    }
  }, TRICKLE_INTERVAL_MS);
  return () => clearInterval(timer);
}

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`'${text}' is not a number > 0`);
  return n;
}
