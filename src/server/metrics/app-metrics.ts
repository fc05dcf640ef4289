/** The metrics of one app instance, in a registry of its own (several apps in one process never collide). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Scope } from '../../shared';
import type { Config } from '../config';
import type { StoreMemory, StoredEvent } from '../storage/engine';
import { createLiveUsage } from './live-usage';

const DROPPED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export const INGEST_OUTCOMES = ['accepted', 'duplicate', 'rejected'] as const;

export interface AppMetrics {
  /** Content-Type of `render()`'s output (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** One ingest request's outcome: the events stored, how many were duplicates, how many were rejected. */
  recordIngest(stored: readonly StoredEvent[], duplicates: number, rejected: number): void;
  /** Times a finished request by its route template (never the raw URL, which may carry keys) and status. */
  observeRequest(request: FastifyRequest, reply: FastifyReply): void;
  /** Everything in Prometheus exposition format; with a scope, only the usage counters inside it. */
  render(scope: Scope | null): Promise<string>;
}

export type MetricsConfig = Pick<Config, 'metricsWindowMs' | 'metricsApiKeyLabel' | 'metricsMaxLabelSets'> & { prices: Pick<Config['prices'], 'currency'> };

export interface AppMetricsOptions {
  now?: () => number;
  /** What an embedded store holds of the process's memory (Store.memory), read at each scrape. */
  storeMemory?: () => Promise<StoreMemory>;
}

export function createAppMetrics(config: MetricsConfig, logger: Logger, { now, storeMemory }: AppMetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // These gauges break Prometheus naming (`_total` belongs to counters; promtool flags them) and only sum the
  // per-type gauges nodejs_active_handles / _requests / _resources, which stay.
  for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  const registers = [registry];
  const ingestEvents = new Counter({
    name: 'tokenscope_ingest_events_total',
    help: 'Usage events received on POST /api/v1/usage, by outcome: accepted (stored, whatever their timestamp), duplicate (id already stored), rejected (invalid).',
    labelNames: ['outcome'],
    registers,
  });
  // Every outcome exists from the start, so "no events lately" is a flat series rather than a missing one.
  for (const outcome of INGEST_OUTCOMES) ingestEvents.inc({ outcome }, 0);
  const requestDuration = new Histogram({
    name: 'tokenscope_http_request_duration_seconds',
    help: 'HTTP request durations by method, route template and status code.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  if (storeMemory) {
    new Gauge({
      name: 'tokenscope_store_memory_bytes',
      help: "Memory the embedded store holds in this process, by part: engine (DuckDB's own, as DuckDB accounts it, up to TOKENSCOPE_DUCKDB_MEMORY_LIMIT) and id_index (hashed ids of recently stored events, for recognising resends; up to TOKENSCOPE_DUCKDB_ID_INDEX_MEMORY).",
      labelNames: ['part'],
      registers,
      async collect() {
        try {
          const memory = await storeMemory();
          this.set({ part: 'engine' }, memory.engineBytes);
          this.set({ part: 'id_index' }, memory.idIndexBytes);
        } catch (err) {
          // A store that cannot answer now (reopening, closing): no sample rather than a stale one or a failed scrape.
          this.reset();
          logger.debug({ err }, 'store memory not read for /metrics');
        }
      },
    });
  }
  const live = createLiveUsage({
    registry,
    logger,
    windowMs: config.metricsWindowMs,
    apiKeyLabel: config.metricsApiKeyLabel,
    maxLabelSets: config.metricsMaxLabelSets,
    currency: config.prices.currency,
    now,
  });

  return {
    contentType: registry.contentType,
    recordIngest(stored, duplicates, rejected) {
      ingestEvents.inc({ outcome: 'accepted' }, stored.length);
      ingestEvents.inc({ outcome: 'duplicate' }, duplicates);
      ingestEvents.inc({ outcome: 'rejected' }, rejected);
      live.record(stored);
    },
    observeRequest(request, reply) {
      const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
      requestDuration.observe(labels, reply.elapsedTime / 1000);
    },
    // Ingest outcomes, request timings and process figures are everyone's: a scoped token sees its usage only.
    render: (scope) => (scope ? live.renderScoped(scope) : registry.metrics()),
  };
}
