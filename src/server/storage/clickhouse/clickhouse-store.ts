/**
 * The ClickHouse engine: the backend keeps no state of its own, so any number of backends can share one
 * ClickHouse server or cluster and give the same answers.
 */
import type { Logger } from 'pino';
import { BASE_SUMS, type BaseSums, type DimensionId } from '../../../shared';
import { QueryLimitError, StoreUnavailableError } from '../../errors';
import {
  DEDUPE_WINDOW_MS,
  bucketsRead,
  QUERY_LIMIT_MESSAGES,
  type AggregateRequest,
  type AggregateRow,
  type CallsRequest,
  type CallsResult,
  type IngestResult,
  type QueryLimits,
  type Store,
  type StoredEvent,
} from '../engine';
import { compileAggregate, distinctValuesSql, type ClickHouseAggregateRow } from './clickhouse-aggregate';
import { callFromRow, callScore, compileCalls, earliestSql, firstDaySql, thresholdSql, type ClickHouseCallRow } from './clickhouse-calls';
import { connectClickHouse, type ClickHouseConnection } from './clickhouse-client';
import { repairRollups } from './clickhouse-repair';
import { fillAddedTiers } from './clickhouse-rollups';
import { dropExpiredPartitions } from './clickhouse-retention';
import { ClickHouseLayout, checkCluster, migrateNode, recordLayout } from './clickhouse-schema';
import { JS_WORK_MAX_ROWS, foldPastTop } from '../js-work';
import { KEEP_EVERYTHING, RETENTION_SWEEP_MS, heldFrom, keepsEverything, type RetentionPolicy } from '../retention';
import { describeClickHouse, type ClickHouseLocation } from './clickhouse-url';
import { ClickHouseWriter } from './clickhouse-writer';

export interface ClickHouseStoreOptions {
  location: ClickHouseLocation;
  logger: Logger;
  /** Opens a connection to one node; default: @clickhouse/client over HTTP. */
  connect?: (url: string) => ClickHouseConnection;
  /** How far back the start-up repair checks rollups against events, ms; default two dedupe windows. */
  repairWindowMs?: number;
  /** How long each tier is kept; default everything forever. */
  retention?: RetentionPolicy;
  /** The clock retention is measured by; default Date.now. */
  now?: () => number;
  /** Limits on each aggregate read; default none. */
  queryLimits?: QueryLimits;
  /** Most rows an aggregate hands to JavaScript to rank and fold past the top (see js-work.ts); 0: SQL always does. */
  jsWorkMaxRows?: number;
}

const DAY_MS = 86_400_000;
/** Filters may list 1,000 values of 512 characters: more than ClickHouse's default 256 KiB statement limit. */
const READ_SETTINGS = { max_query_size: 64 * 1024 * 1024 };
/** The candidates' subquery reads each shard's own events: an event's copies all live on its shard. */
const CANDIDATE_SETTINGS = { distributed_product_mode: 'local' };

/** How long a count of a dimension's values is trusted: it only picks where a top is folded, never the answer. */
const DISTINCT_VALUES_TTL_MS = 60_000;

/** ClickHouse's own limits for an aggregate read (both 0: none; 18.16 takes whole seconds). */
function limitSettings(limits: QueryLimits): Record<string, number | string> {
  return {
    ...(limits.maxRows ? { max_rows_to_read: limits.maxRows, read_overflow_mode: 'throw' } : {}),
    ...(limits.timeoutMs ? { max_execution_time: Math.max(1, Math.ceil(limits.timeoutMs / 1000)), timeout_overflow_mode: 'throw' } : {}),
  };
}

/** The QueryLimitError for ClickHouse's TOO_MANY_ROWS (158) or TIMEOUT_EXCEEDED (159), or null for other errors. */
function limitError(err: unknown, limits: QueryLimits): QueryLimitError | null {
  const { code, message } = err as { code?: string; message?: string };
  if (code === '158' || /TOO_MANY_ROWS|Limit for rows.*to read exceeded/i.test(message ?? '')) {
    const rows = /(\d+) rows read/.exec(message ?? '')?.[1];
    return new QueryLimitError(QUERY_LIMIT_MESSAGES.rows(rows ? Number(rows) : null, limits.maxRows));
  }
  if (code === '159' || /TIMEOUT_EXCEEDED|Timeout exceeded/i.test(message ?? '')) return new QueryLimitError(QUERY_LIMIT_MESSAGES.time(limits.timeoutMs));
  return null;
}

export async function openClickHouseStore(options: ClickHouseStoreOptions): Promise<Store> {
  const { location, logger } = options;
  const where = describeClickHouse(location);
  const connect = options.connect ?? ((url: string) => connectClickHouse({ url, username: location.username, password: location.password }));
  const layout = new ClickHouseLayout(location.database, location.cluster);
  const conn = connect(location.url);
  try {
    const onEveryNode = async <T>(work: (node: ClickHouseConnection) => Promise<T>): Promise<T[]> => {
      const results: T[] = [];
      for (const url of location.otherNodes) {
        const node = connect(url);
        try {
          results.push(await work(node));
        } finally {
          await node.close();
        }
      }
      results.push(await work(conn));
      return results;
    };
    const found = await onEveryNode((node) => migrateNode(node, layout));
    await checkCluster(conn, layout);
    // Nodes that had the database say which layout wrote it. Its version is recorded only once added tiers are
    // filled: a start cut short fills them again.
    const written = found.filter((v) => v > 0);
    await fillAddedTiers(conn, layout, written.length ? Math.min(...written) : 0, logger);
    let nodeIndex = 0;
    await onEveryNode((node) => recordLayout(node, layout, found[nodeIndex++]));
    const now = Date.now();
    const window = options.repairWindowMs ?? 2 * DEDUPE_WINDOW_MS;
    const span = { from: Math.max(0, Math.floor((now - window) / DAY_MS) * DAY_MS), to: Math.ceil((now + 2 * DAY_MS) / DAY_MS) * DAY_MS };
    await repairRollups(conn, layout, span, logger);
  } catch (err) {
    await conn.close();
    throw new Error(`could not open ${where}: ${(err as Error).message}`, { cause: err });
  }
  logger.info({ store: where }, 'clickhouse store ready');

  const writer = new ClickHouseWriter(conn, layout, logger);
  let closed = false;
  const retention = options.retention ?? KEEP_EVERYTHING;
  const now = options.now ?? Date.now;
  /** Every node holds its own parts, so each drops its own. */
  const applyRetention = async (): Promise<void> => {
    if (closed) throw new StoreUnavailableError('the store is closed');
    await dropExpiredPartitions(conn, layout, retention, now(), logger);
    for (const url of location.otherNodes) {
      const node = connect(url);
      try {
        await dropExpiredPartitions(node, layout, retention, now(), logger);
      } finally {
        await node.close();
      }
    }
  };
  let retentionTimer: NodeJS.Timeout | undefined;
  if (!keepsEverything(retention)) {
    const sweep = () =>
      void applyRetention().catch((err) => logger.warn({ err: { message: (err as Error).message } }, 'clickhouse retention failed; will retry'));
    sweep();
    retentionTimer = setInterval(sweep, RETENTION_SWEEP_MS);
    retentionTimer.unref();
  }

  const limits = options.queryLimits ?? { maxRows: 0, timeoutMs: 0 };
  const read = async <T extends object>(what: string, sql: string, settings: Record<string, number | string> = READ_SETTINGS): Promise<T[]> => {
    if (closed) throw new StoreUnavailableError('the store is closed');
    const started = performance.now();
    try {
      const rows = await conn.select<T>(sql, settings);
      logger.debug({ what, rows: rows.length, ms: Math.round(performance.now() - started) }, 'clickhouse read');
      return rows;
    } catch (err) {
      const stopped = limitError(err, limits);
      if (stopped) throw stopped;
      logger.error({ err: { message: (err as Error).message }, what }, 'clickhouse read failed');
      throw new StoreUnavailableError(`could not read from the store: ${(err as Error).message}`, { cause: err });
    }
  };

  // Values per dimension, counted on the daily tier (which holds every value as soon as it is written).
  const distinctCounts = new Map<DimensionId, { count: number; at: number }>();
  const distinctValues = async (dimension: DimensionId): Promise<number> => {
    const held = distinctCounts.get(dimension);
    if (held && Date.now() - held.at < DISTINCT_VALUES_TTL_MS) return held.count;
    const [row] = await read<{ n: string }>('distinct values', distinctValuesSql(layout, dimension));
    const count = Number(row?.n ?? 0);
    distinctCounts.set(dimension, { count, at: Date.now() });
    return count;
  };
  const jsWorkMaxRows = options.jsWorkMaxRows ?? JS_WORK_MAX_ROWS;

  /**
   * The limit largest events, collapsing only candidates: events with a copy scoring at least T, the k-th largest
   * raw score. Every other event scores below T, so the answer is exact once `limit` candidates score at least T,
   * or when the k rows were all there are; otherwise k grows (copies can crowd the k largest raw rows).
   */
  const largestCalls = async (request: CallsRequest): Promise<StoredEvent[]> => {
    for (let k = request.limit; ; k *= 4) {
      // Raw reads count against the query limits as aggregates do.
      const [first] = await read<{ threshold: string; rows: string }>('calls threshold', thresholdSql(layout, request, k), {
        ...READ_SETTINGS,
        ...limitSettings(limits),
      });
      const everything = Number(first?.rows ?? 0) < k;
      const threshold = everything ? null : Number(first.threshold);
      const rows = (
        await read<ClickHouseCallRow>('calls', compileCalls(layout, request, threshold), { ...READ_SETTINGS, ...limitSettings(limits), ...CANDIDATE_SETTINGS })
      ).map(callFromRow);
      const last = rows[request.limit - 1];
      if (threshold === null || (last && callScore(last, request) >= threshold)) return rows;
    }
  };

  // Filtered, a min over every raw event ever kept reads the whole table: first look on the first day the daily
  // rollup holds for the filters, which the primary key reads alone.
  const earliestEvent = async (request: CallsRequest): Promise<number | null> => {
    const found = (rows: { earliest: string; events: string }[]) => (Number(rows[0]?.events ?? 0) > 0 ? Number(rows[0].earliest) : null);
    const [first] = await read<{ day: string; rows: string }>('earliest day', firstDaySql(layout, request));
    if (Number(first?.rows ?? 0) > 0) {
      const day = Number(first.day);
      const onDay = found(await read('earliest', earliestSql(layout, request, { from: day, to: day + DAY_MS })));
      if (onDay !== null) return onDay;
    }
    return found(await read('earliest', earliestSql(layout, request)));
  };

  return {
    engine: 'clickhouse',
    capabilities: { topN: true },

    ingest(events: readonly StoredEvent[]): Promise<IngestResult> {
      if (closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
      return writer.write(events);
    },

    async aggregate(request: AggregateRequest): Promise<AggregateRow[]> {
      if (request.pieces.length === 0) return [];
      // Ranking and folding in SQL gathers every key's rows into arrays and spreads them out again; with few rows it
      // costs more than the read itself, and JavaScript does it in a pass.
      const { top, groupBy } = request;
      const topInJs = top && groupBy && bucketsRead(request.pieces) * (await distinctValues(groupBy)) <= jsWorkMaxRows ? top : null;
      const compiled = compileAggregate(layout, topInJs ? { ...request, top: undefined } : request);
      const found = await read<ClickHouseAggregateRow>('aggregate', compiled.sql, { ...READ_SETTINGS, ...limitSettings(limits) });
      const rows = found.map((r): AggregateRow => {
        // Sums not asked for stay 0, as the Store contract allows.
        const sums = {} as BaseSums;
        for (const c of BASE_SUMS) sums[c] = Number(r[c] ?? 0);
        const keyed = Number(r.keyed) === 1;
        return { bucket: Number(r.bucket), key: keyed ? r.key : null, label: keyed ? r.label : null, sums };
      });
      return topInJs ? foldPastTop(rows, topInJs) : rows;
    },

    heldFrom: () => heldFrom(retention, now()),
    applyRetention,
    async largestCalls(request: CallsRequest): Promise<CallsResult> {
      const [calls, earliest] = await Promise.all([largestCalls(request), earliestEvent(request)]);
      return { calls, earliest };
    },

    async eventCount(): Promise<number> {
      const rows = await read<{ events: string }>('count', `SELECT sum(requests) AS events FROM ${layout.table('rollup_1d')} FINAL`);
      return Number(rows[0]?.events ?? 0);
    },

    async close(): Promise<void> {
      if (closed) return;
      clearInterval(retentionTimer);
      await writer.close();
      closed = true;
      await conn.close();
    },
  };
}
