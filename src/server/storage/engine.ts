/** The Store contract every storage engine implements; the query layer knows nothing else about engines. */
import type { BaseSum, BaseSums, CallField, DimensionId } from '../../shared';
import type { HeldFrom } from './retention';

/** One validated usage event, as the ingest layer hands it to a store. */
export interface StoredEvent {
  /** Epoch milliseconds, >= 0. */
  ts: number;
  service: string;
  model: string;
  modelType: string;
  /** The key's stored id: the name as sent, or a one-way id for a secret-looking key. */
  apiKey: string;
  /** What a person sees for the key: the name as sent, or a masked form such as `sk-…a1b2`. */
  apiKeyLabel: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Output tokens spent on reasoning; part of outputTokens. */
  reasoningTokens: number;
  /** Request duration in whole milliseconds, or null when the event carried none. */
  durationMs: number | null;
  /** Idempotency key, or null. */
  id: string | null;
  /** The W3C trace id (32 lowercase hex digits) of a call that came in as a span, or null; kept on raw events only. */
  traceId: string | null;
  /** The span id (16 lowercase hex digits) of that call, or null. */
  spanId: string | null;
  /**
   * What the call cost. Ingest sets it (a cost the source gave, or one priced from the price table); absent,
   * the call counts as unpriced (see `unpricedCost`).
   */
  cost?: EventCost;
}

/** What one call cost, in whole micro-units (10^-6) of the reporting currency; every value an integer >= 0. */
export interface EventCost {
  /** Uncached input tokens (input - cache read - cache write, at least 0) at the input price. */
  inputMicros: number;
  cacheReadMicros: number;
  cacheWriteMicros: number;
  /** Output tokens, reasoning tokens included. */
  outputMicros: number;
  /** A cost the source reported, kept whole (the four parts are then 0); null when the source gave none. */
  givenMicros: number | null;
  /** The call's input + output tokens when it has neither a given cost nor a price; else 0. */
  unpricedTokens: number;
}

/** The cost of a call nobody priced: nothing known, all its tokens unpriced. */
export function unpricedCost(event: Pick<StoredEvent, 'inputTokens' | 'outputTokens'>): EventCost {
  return {
    inputMicros: 0,
    cacheReadMicros: 0,
    cacheWriteMicros: 0,
    outputMicros: 0,
    givenMicros: null,
    unpricedTokens: event.inputTokens + event.outputTokens,
  };
}

/** What repricing changed for one (service, model); money in micro-units of the reporting currency. */
export interface RepricedGroup {
  service: string;
  model: string;
  /** Events in the range. */
  events: number;
  /** Events whose cost changed. */
  changed: number;
  costBefore: number;
  costAfter: number;
  unpricedBefore: number;
  unpricedAfter: number;
}

/** The whole cost of a call: its parts plus a cost the source gave. */
export function totalMicros(cost: EventCost): number {
  return cost.inputMicros + cost.cacheReadMicros + cost.cacheWriteMicros + cost.outputMicros + (cost.givenMicros ?? 0);
}

/** Outcome of storing a batch: events newly stored, and events whose id was already stored. */
export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** The events that were stored (the batch minus its duplicates), in batch order; for live metrics. */
  stored: readonly StoredEvent[];
}

/**
 * Storage tiers: raw events, and rollups of the base sums per slot of a fixed size. Slots are aligned to
 * the Unix epoch (so `1d` slots are UTC days). Each size divides the next, which lets the planner read
 * the coarsest tier that lines up with the buckets and fill the edges from finer ones. `5m` serves the
 * 5-minute buckets Grafana asks for over a few days (a 3-day dashboard at ~1000 points), which the 1-minute
 * tier would answer from five times the rows.
 */
export const TIERS = [
  { id: 'raw', ms: 1 },
  { id: '1m', ms: 60_000 },
  { id: '5m', ms: 300_000 },
  { id: '15m', ms: 900_000 },
  { id: '1h', ms: 3_600_000 },
  { id: '1d', ms: 86_400_000 },
] as const;
export type TierId = (typeof TIERS)[number]['id'];

/**
 * A span [from, to) to read from one tier, and how its rows map to output buckets: a row whose slot
 * starts at `t` belongs to bucket `origin + floor((t - origin) / step) * step`, or to `origin` when `step`
 * is null. The planner guarantees that no slot of the tier straddles a bucket boundary or the span's ends.
 */
export interface ScanPiece {
  tier: TierId;
  from: number;
  to: number;
  origin: number;
  step: number | null;
}

/** The one bucket all of a piece's rows land in, or null when they spread over several. */
export function singleBucket({ origin, step, from, to }: ScanPiece): number | null {
  if (step === null) return origin;
  const first = Math.floor((from - origin) / step);
  return first === Math.floor((to - 1 - origin) / step) ? origin + first * step : null;
}

/** An upper bound on the buckets a request's rows land in. */
export function bucketsRead(pieces: readonly ScanPiece[]): number {
  return pieces.reduce((n, p) => n + (singleBucket(p) !== null ? 1 : Math.ceil((p.to - p.from) / p.step!) + 1), 0);
}

/**
 * The values of one dimension a row may have: any of `values`, or any value matching one of `patterns` (`*` stands
 * for any run of characters; read them with `patternSource` from shared). With neither, no row passes: a query
 * whose filters and token scope have nothing in common reads nothing.
 */
export interface ValueMatch {
  values?: readonly string[];
  patterns?: readonly string[];
}

/**
 * Which rows to read: a row must pass every dimension listed; a dimension left out is not restricted. The query
 * layer puts a request's filters and its token's scope together here, so an engine that honours these filters
 * honours scopes too.
 */
export type RowFilters = Partial<Record<DimensionId, ValueMatch>>;

/** What to aggregate: the pieces to read, the filters, the sums, and how to split the result. */
export type AggregateRequest = AggregateScan & AggregateSplit;

export interface AggregateScan {
  pieces: readonly ScanPiece[];
  filters: RowFilters;
  /** The base sums the caller needs (default all); an engine may leave the others at 0. */
  sums?: readonly BaseSum[];
}

/**
 * How rows are split. `keep` and `top` exclude each other, and the compiler says so:
 * - no `groupBy`: one row per bucket with key null;
 * - `groupBy` alone: one row per bucket and value;
 * - `groupBy` with `keep`: only these values; every other value is folded into one row with key null;
 * - `groupBy` with `top`: the `limit` values that rank first by `order` over all the request's rows, the others
 *   folded into one row with key null. Only for engines with `capabilities.topN`; others refuse it.
 */
export type AggregateSplit =
  | { groupBy?: undefined; keep?: never; top?: never }
  | { groupBy: DimensionId; keep?: readonly string[]; top?: never }
  | { groupBy: DimensionId; top: { limit: number; order: RankOrder }; keep?: never };

/**
 * How values are ranked: by the total of the `of` base sums, largest first; with `timedOnly`, values without a
 * single timed request (`timed_requests` = 0) rank below every other. Ties go to the smaller key in UTF-8 byte
 * order, so every engine and the query layer agree.
 */
export interface RankOrder {
  of: readonly BaseSum[];
  timedOnly: boolean;
}

/** What an engine can do beyond the required contract; each flag defaults to false. */
export interface StoreCapabilities {
  /** Ranks and folds inside `aggregate` (`AggregateRequest.top`), saving a separate ranking pass. */
  topN?: boolean;
}

/** Base sums for one bucket and one dimension value (key null: no split, or the folded "other"). */
export interface AggregateRow {
  bucket: number;
  key: string | null;
  /** What a person reads for the key (a masked API key); equals key for other dimensions. */
  label: string | null;
  sums: BaseSums;
}

/** Which raw events to list: the `limit` largest in [from, to) that pass the filters. */
export interface CallsRequest {
  from: number;
  to: number;
  /** As for aggregates: the request's filters and the caller's scope together. */
  filters: RowFilters;
  /**
   * Largest first by the sum of these event fields; a missing duration counts below every duration. Ties go to
   * the earlier event, then service, model, model type, api key, id (absent first), then the token counts,
   * duration, trace and span id, so every engine returns the same list.
   */
  orderBy: readonly CallField[];
  limit: number;
}

/** The listed events, and how far back raw events reach. */
export interface CallsResult {
  calls: StoredEvent[];
  /** Timestamp of the earliest raw event stored that the filters let through (so a scope reveals nothing beyond it), or null. */
  earliest: number | null;
}

/**
 * A storage engine. Engines store events durably, keep their own rollups, and answer aggregate requests
 * exactly: the same request gives the same rows on every engine.
 */
export interface Store {
  /** Engine name reported by the health endpoint, e.g. `duckdb`. */
  readonly engine: string;
  /** Optional abilities; absent means none. */
  readonly capabilities?: StoreCapabilities;
  /**
   * Stores events durably before resolving. An event whose id is already stored (among events within
   * `DEDUPE_WINDOW_MS` of its timestamp), or that repeats an id earlier in the batch, counts as a duplicate.
   * Rejects with `StoreUnavailableError` when the store cannot write.
   */
  ingest(events: readonly StoredEvent[]): Promise<IngestResult>;
  /** Sums per (bucket, key), rows in no particular order; buckets without events are absent. */
  aggregate(request: AggregateRequest): Promise<AggregateRow[]>;
  /** The largest raw events of a range, one per event however many copies are stored. */
  largestCalls(request: CallsRequest): Promise<CallsResult>;
  /** Number of events stored. */
  eventCount(): Promise<number>;
  /** What retention leaves each tier holding now (see retention.ts); absent when the engine keeps everything. */
  heldFrom?(): HeldFrom;
  /** Drops what is past retention and gives the disk space back; engines also run it in the background. */
  applyRetention?(): Promise<void>;
  /**
   * Bytes the store holds in this process, by part (an embedded engine's own memory, the index of stored ids);
   * absent for an engine that runs elsewhere.
   */
  memory?(): Promise<StoreMemory>;
  /**
   * Optional (absent: the engine cannot reprice). Gives every stored event stamped in [from, to) the cost
   * `price` returns for it, in the raw events and in every rollup tier, exactly; returns what changed per
   * (service, model). `price` receives the event with its current cost.
   */
  reprice?(from: number, to: number, price: (event: StoredEvent) => EventCost): Promise<RepricedGroup[]>;
  /** Flushes and closes; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** What `Store.memory` reports: the embedded engine's own memory as it accounts it, and the index of stored ids. */
export interface StoreMemory {
  engineBytes: number;
  idIndexBytes: number;
}

/**
 * Limits on one aggregate read, given to an engine when it opens; 0 turns a limit off. An engine stops a read past
 * either limit with a QueryLimitError (a 422 that says what to narrow), never by failing the store.
 */
export interface QueryLimits {
  /** Most rows a read may scan (estimated before, or counted while reading). */
  maxRows: number;
  /** Longest a read may run, ms. */
  timeoutMs: number;
}

/** The wording of a stopped read, shared by the engines. */
export const QUERY_LIMIT_MESSAGES = {
  rows: (rows: number | null, max: number) =>
    `the query would read ${rows === null ? 'more' : `about ${rows.toLocaleString('en-US')}`} rows, more than the limit of ${max.toLocaleString('en-US')} (TOKENSCOPE_QUERY_MAX_ROWS); shorten the time range, use a coarser granularity or add filters`,
  time: (ms: number) => `the query ran longer than ${ms} ms (TOKENSCOPE_QUERY_TIMEOUT_MS) and was stopped; shorten the time range or add filters`,
};

/** How far apart in time two events with the same id may be and still count as one. */
export const DEDUPE_WINDOW_MS = 86_400_000;
