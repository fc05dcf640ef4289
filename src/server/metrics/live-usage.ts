/**
 * Live usage counters for alerting: the tokens and requests of stored events whose timestamp lies within a window
 * of now, so that Prometheus sees traffic as it happens and an import or backfill of old events never looks like
 * a spike. Label sets are capped; beyond the cap, events are counted in one overflow set.
 */
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import { OTHER_LABEL, scopeAllows, type DimensionId, type Scope } from '../../shared';
import type { StoredEvent } from '../storage/engine';
import { createLabelSetCap } from './label-set-cap';

/** Every label of the overflow set takes this value once the cap is reached. */
export const OVERFLOW_LABEL_VALUE = OTHER_LABEL;

/**
 * The `token_type` label values; cache_read and cache_write are parts of input and reasoning is part of output, so
 * total = input + output.
 */
export const TOKEN_TYPES = ['input', 'output', 'cache_read', 'cache_write', 'reasoning'] as const;

export interface LiveUsageOptions {
  registry: Registry;
  logger: Logger;
  /** Events stamped further than this from now (either way) are not counted. */
  windowMs: number;
  /** Whether the counters carry the `api_key` label (the stored id, never the key as sent). */
  apiKeyLabel: boolean;
  /** Most label sets (service, model, model_type[, api_key]); events beyond go to the all-"other" set. */
  maxLabelSets: number;
  /** The reporting currency, named in the cost counter's help. */
  currency: string;
  /** The clock; tests pass their own. */
  now?: () => number;
}

export interface LiveUsage {
  /** Counts the events a store reports as stored (duplicates already excluded). */
  record(events: readonly StoredEvent[]): void;
  /**
   * The usage counters (tokens and requests) in exposition format, with only the label sets inside `scope`: the
   * whole of /metrics for a scoped token. The overflow set, and with the api_key label off any scope on API keys,
   * cannot be told apart by team and is left out.
   */
  renderScoped(scope: Scope): Promise<string>;
}

interface BatchSums {
  labels: Record<string, string>;
  requests: number;
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  costMicros: number;
  unpriced: number;
  reasoning: number;
}

export function createLiveUsage({ registry, logger, windowMs, apiKeyLabel, maxLabelSets, currency, now = Date.now }: LiveUsageOptions): LiveUsage {
  const setLabels = apiKeyLabel ? ['service', 'model', 'model_type', 'api_key'] : ['service', 'model', 'model_type'];
  const registers = [registry];
  const tokens = new Counter({
    name: 'tokenscope_tokens_total',
    help: `Tokens of stored usage events stamped within ${windowMs} ms of now; token_type input|output|cache_read|cache_write|reasoning (cache tokens are part of input and reasoning tokens part of output, so total = input + output).`,
    labelNames: [...setLabels, 'token_type'],
    registers,
  });
  const requests = new Counter({
    name: 'tokenscope_requests_total',
    help: `Stored usage events (model calls) stamped within ${windowMs} ms of now.`,
    labelNames: setLabels,
    registers,
  });
  const cost = new Counter({
    name: 'tokenscope_cost_total',
    help: `Cost in ${currency} of stored usage events stamped within ${windowMs} ms of now: priced from the price table, or as the source reported it.`,
    labelNames: setLabels,
    registers,
  });
  const unpriced = new Counter({
    name: 'tokenscope_unpriced_tokens_total',
    help: `Tokens of stored usage events stamped within ${windowMs} ms of now that have no price and no cost from their source (left out of tokenscope_cost_total).`,
    labelNames: setLabels,
    registers,
  });
  const outsideWindow = new Counter({
    name: 'tokenscope_live_events_outside_window_total',
    help: `Stored usage events left out of the live counters because they are stamped more than ${windowMs} ms from now (imports, backfills, clock skew).`,
    registers,
  });
  const overflow = new Counter({
    name: 'tokenscope_live_overflow_events_total',
    help: `Usage events counted under the overflow label set (every label "${OVERFLOW_LABEL_VALUE}") because the label-set cap of ${maxLabelSets} was reached.`,
    registers,
  });
  const cap = createLabelSetCap(maxLabelSets, () =>
    logger.warn(
      { limit: maxLabelSets, setting: 'TOKENSCOPE_METRICS_MAX_LABEL_SETS' },
      `metrics label-set cap of ${maxLabelSets} reached: events with new label sets are counted under ${setLabels.map((l) => `${l}="${OVERFLOW_LABEL_VALUE}"`).join(',')}; raise TOKENSCOPE_METRICS_MAX_LABEL_SETS or set TOKENSCOPE_METRICS_API_KEY_LABEL=off (per-key rankings stay in the query API)`,
    ),
  );
  const overflowValues = setLabels.map(() => OVERFLOW_LABEL_VALUE);

  const inScope = (scope: Scope, labels: Partial<Record<string, string | number>>) =>
    !setLabels.every((l) => labels[l] === OVERFLOW_LABEL_VALUE) &&
    (['service', 'model', 'model_type', 'api_key'] as const).every((d: DimensionId) =>
      labels[d] === undefined ? scope[d] === undefined : scopeAllows(scope, d, String(labels[d])),
    );

  return {
    async renderScoped(scope) {
      const scoped = new Registry();
      for (const counter of [tokens, requests]) {
        const { name, help, values } = await counter.get();
        const copy = new Counter({
          name,
          help,
          labelNames: name === 'tokenscope_tokens_total' ? [...setLabels, 'token_type'] : setLabels,
          registers: [scoped],
        });
        for (const v of values) if (inScope(scope, v.labels)) copy.inc(v.labels, v.value);
      }
      return scoped.metrics();
    },
    record(events) {
      const at = now();
      // Summed per label set first: one counter update per set and token type, not per event.
      const batch = new Map<string, BatchSums>();
      let stale = 0;
      let folded = 0;
      for (const e of events) {
        if (Math.abs(at - e.ts) > windowMs) {
          stale++;
          continue;
        }
        let values = apiKeyLabel ? [e.service, e.model, e.modelType, e.apiKey] : [e.service, e.model, e.modelType];
        // Names cannot contain control characters (ingest rejects them), so NUL separates values unambiguously.
        let key = values.join('\u0000');
        if (!cap.admit(key)) {
          folded++;
          values = overflowValues;
          key = values.join('\u0000');
        }
        let sums = batch.get(key);
        if (!sums) {
          sums = {
            labels: Object.fromEntries(setLabels.map((l, i) => [l, values[i]])),
            requests: 0,
            input: 0,
            output: 0,
            cache_read: 0,
            cache_write: 0,
            reasoning: 0,
            costMicros: 0,
            unpriced: 0,
          };
          batch.set(key, sums);
        }
        sums.requests++;
        sums.input += e.inputTokens;
        sums.output += e.outputTokens;
        sums.cache_read += e.cacheReadTokens;
        sums.cache_write += e.cacheWriteTokens;
        const c = e.cost;
        if (c) sums.costMicros += c.inputMicros + c.cacheReadMicros + c.cacheWriteMicros + c.outputMicros + (c.givenMicros ?? 0);
        sums.unpriced += c ? c.unpricedTokens : e.inputTokens + e.outputTokens;
        sums.reasoning += e.reasoningTokens;
      }
      for (const sums of batch.values()) {
        requests.inc(sums.labels, sums.requests);
        for (const type of TOKEN_TYPES) tokens.inc({ ...sums.labels, token_type: type }, sums[type]);
        // Summed in exact micro-units per batch; only the counter's running total is a float.
        cost.inc(sums.labels, sums.costMicros / 1_000_000);
        unpriced.inc(sums.labels, sums.unpriced);
      }
      if (stale) outsideWindow.inc(stale);
      if (folded) overflow.inc(folded);
    },
  };
}
