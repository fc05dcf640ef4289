/** The usage event a client sends (snake_case, like providers' usage objects), validated into a StoredEvent. */
import { z } from 'zod';
import { formatIssues, parseInstant } from '../../shared';
import type { EventCost, StoredEvent } from '../storage/engine';
import { protectApiKey } from '../api-keys';
import { givenCost, GIVEN_COST_ERROR } from './given-cost';

/** What an event without `model_type` (or with null) is. */
export const DEFAULT_MODEL_TYPE = 'text_generation';
/** The key of an event without `api_key`. */
export const DEFAULT_API_KEY = 'unknown';
/** Events may be stamped at most this far in the future (clock skew). */
export const MAX_FUTURE_MS = 86_400_000;
/** Longest accepted name (service, model, api key, id). */
export const MAX_NAME_LENGTH = 256;
/** Longest accepted duration: one day. */
export const MAX_DURATION_MS = 86_400_000;

const CONTROL = /[\u0000-\u001f\u007f]/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

const required = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`);

const name = z
  .string({ error: required('a string') })
  .min(1, { error: 'must not be empty' })
  .max(MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` })
  .refine((v) => !CONTROL.test(v), { error: 'must not contain control characters' });

/** A token count: a safe integer >= 0. */
const count = z.number({ error: required('an integer >= 0') }).superRefine((n, ctx) => {
  if (!Number.isInteger(n) || n < 0) ctx.addIssue({ code: 'custom', message: 'must be an integer >= 0' });
  else if (n > Number.MAX_SAFE_INTEGER) ctx.addIssue({ code: 'custom', message: `must be at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1)` });
});

const timestamp = z.unknown().transform((value, ctx) => {
  if (value === undefined || value === null) {
    ctx.addIssue({ code: 'custom', message: 'is required' });
    return z.NEVER;
  }
  const parsed = parseInstant(value);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  if (parsed.ms < 0) {
    ctx.addIssue({ code: 'custom', message: 'must not be before 1970-01-01T00:00:00Z' });
    return z.NEVER;
  }
  if (parsed.ms > Date.now() + MAX_FUTURE_MS) {
    ctx.addIssue({ code: 'custom', message: 'must not be more than a day in the future' });
    return z.NEVER;
  }
  return parsed.ms;
});

/** One usage event as sent. Unknown fields are ignored. */
export const usageEventSchema = z
  .object(
    {
      /** RFC 3339 with any offset, `YYYY-MM-DD HH:MM:SS[.fraction]` (UTC), or epoch milliseconds. */
      timestamp,
      /** The online inference service (endpoint) that served the call. */
      service: name,
      /** Model id, e.g. `glm-5`. */
      model: name,
      /** Category: `text_generation` (when absent or null), `vision`, `embedding`, … or another lowercase id. */
      model_type: z
        .string({ error: 'must be a lowercase id such as text_generation' })
        .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'must be a lowercase id such as text_generation' })
        .nullish(),
      /** The key's id or name (`unknown` when absent or null); secret-looking keys are stored as a one-way id. */
      api_key: name.nullish(),
      /** Prompt tokens, cached tokens included. */
      input_tokens: count,
      output_tokens: count,
      cache_read_tokens: count.nullish(),
      cache_write_tokens: count.nullish(),
      /** Output tokens spent on reasoning (part of output_tokens). */
      reasoning_tokens: count.nullish(),
      /** Idempotency key such as the provider's request id. */
      id: name.nullish(),
      /** What the call cost, as the source knows it, in the reporting currency: kept as sent, it wins over the price table. */
      cost: z
        .unknown()
        .transform((value, ctx) => {
          if (value === undefined || value === null) return null;
          const cost = givenCost(value);
          if (cost === null) ctx.addIssue({ code: 'custom', message: GIVEN_COST_ERROR });
          return cost;
        })
        .optional(),
      /** The W3C trace id of the call's span (32 lowercase hex digits), for finding its trace. */
      trace_id: z.string({ error: 'must be 32 lowercase hex digits' }).regex(TRACE_ID, { error: 'must be 32 lowercase hex digits' }).nullish(),
      /** The call's span id (16 lowercase hex digits). */
      span_id: z.string({ error: 'must be 16 lowercase hex digits' }).regex(SPAN_ID, { error: 'must be 16 lowercase hex digits' }).nullish(),
      /** Request duration in milliseconds, for concurrency. */
      duration_ms: z
        .number({ error: `must be a number of milliseconds from 0 to ${MAX_DURATION_MS}` })
        .min(0, { error: `must be a number of milliseconds from 0 to ${MAX_DURATION_MS}` })
        .max(MAX_DURATION_MS, { error: `must be a number of milliseconds from 0 to ${MAX_DURATION_MS}` })
        .nullish(),
    },
    { error: 'must be a JSON object' },
  )
  .superRefine((e, ctx) => {
    // Compare only counts that are valid themselves; otherwise their own message says enough.
    const [input, read, write] = [e.input_tokens, e.cache_read_tokens ?? 0, e.cache_write_tokens ?? 0];
    if (![input, read, write].every((n) => Number.isSafeInteger(n) && n >= 0)) return;
    if (read > input) ctx.addIssue({ code: 'custom', path: ['cache_read_tokens'], message: 'must not exceed input_tokens' });
    if (write > input) ctx.addIssue({ code: 'custom', path: ['cache_write_tokens'], message: 'must not exceed input_tokens' });
    const [output, reasoning] = [e.output_tokens, e.reasoning_tokens ?? 0];
    if ([output, reasoning].every((n) => Number.isSafeInteger(n) && n >= 0) && reasoning > output) {
      ctx.addIssue({ code: 'custom', path: ['reasoning_tokens'], message: 'must not exceed output_tokens (reasoning tokens are part of output)' });
    }
  });

/**
 * A usage event as a client builds it: the one type the demo, test fixtures and generators share. The schema
 * above decides what is valid; this names the fields with the types a well-behaved client sends.
 */
export interface UsageEvent {
  /** Epoch milliseconds or an RFC 3339 string. */
  timestamp: number | string;
  service: string;
  model: string;
  model_type?: string | null;
  api_key?: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens?: number | null;
  cache_write_tokens?: number | null;
  reasoning_tokens?: number | null;
  id?: string | null;
  duration_ms?: number | null;
  trace_id?: string | null;
  span_id?: string | null;
  /** What the call cost as its source knows it, in the reporting currency. */
  cost?: number | null;
}
// The type check fails if the schema stops accepting what UsageEvent describes.
const _usageEventFitsSchema = (e: UsageEvent): z.input<typeof usageEventSchema> => e;

/** A StoredEvent, or the reasons the value is not a valid event (`field: reason; …`). */
export function toStoredEvent(value: unknown): { event: StoredEvent } | { error: string } {
  const fast = fastStoredEvent(value);
  return fast ? { event: fast } : toStoredEventBySchema(value);
}

/** The same, by the zod schema alone: the definition the fast path is held to. */
export function toStoredEventBySchema(value: unknown): { event: StoredEvent } | { error: string } {
  const parsed = usageEventSchema.safeParse(value);
  if (!parsed.success) return { error: formatIssues(parsed.error.issues).join('; ') };
  const e = parsed.data;
  return {
    event: stored(
      e.timestamp,
      e.service,
      e.model,
      e.model_type ?? DEFAULT_MODEL_TYPE,
      e.api_key ?? DEFAULT_API_KEY,
      e.input_tokens,
      e.output_tokens,
      e.cache_read_tokens ?? 0,
      e.cache_write_tokens ?? 0,
      e.reasoning_tokens ?? 0,
      e.id ?? null,
      e.duration_ms ?? null,
      e.trace_id ?? null,
      e.span_id ?? null,
      e.cost ?? null,
    ),
  };
}

function stored(
  ts: number,
  service: string,
  model: string,
  modelType: string,
  apiKey: string,
  inputTokens: number,
  outputTokens: number,
  cacheReadTokens: number,
  cacheWriteTokens: number,
  reasoningTokens: number,
  id: string | null,
  durationMs: number | null,
  traceId: string | null,
  spanId: string | null,
  cost: EventCost | null,
): StoredEvent {
  const key = protectApiKey(apiKey);
  const event: StoredEvent = {
    ts,
    service,
    model,
    modelType,
    apiKey: key.id,
    apiKeyLabel: key.label,
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    reasoningTokens,
    durationMs: durationMs === null ? null : Math.round(durationMs),
    id,
    traceId,
    spanId,
    // Always present (undefined until priced), so every event has one shape and pricing sets it in place cheaply.
    cost: cost ?? undefined,
  };
  return event;
}

const MODEL_TYPE = /^[a-z][a-z0-9_]{0,63}$/;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME_LENGTH && !CONTROL.test(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The common case, a valid event, checked with plain code: several times faster than the zod schema, which
 * matters at 100k events/s. It returns null for anything it does not pass, and the schema then decides and
 * words the error, so this check may only ever be stricter than the schema, never looser (a property test
 * holds it to that).
 */
function fastStoredEvent(v: unknown): StoredEvent | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const e = v as Record<string, unknown>;
  const { service, model, input_tokens: input, output_tokens: output } = e;
  if (!isName(service) || !isName(model) || !isCount(input) || !isCount(output)) return null;
  const modelType = e.model_type ?? DEFAULT_MODEL_TYPE;
  const apiKey = e.api_key ?? DEFAULT_API_KEY;
  const cacheRead = e.cache_read_tokens ?? 0;
  const cacheWrite = e.cache_write_tokens ?? 0;
  const reasoning = e.reasoning_tokens ?? 0;
  const id = e.id ?? null;
  const traceId = e.trace_id ?? null;
  const spanId = e.span_id ?? null;
  const duration = e.duration_ms ?? null;
  const cost = e.cost === undefined || e.cost === null ? null : givenCost(e.cost);
  if (cost === null && e.cost !== undefined && e.cost !== null) return null;
  if (typeof modelType !== 'string' || !MODEL_TYPE.test(modelType) || !isName(apiKey)) return null;
  if (!isCount(cacheRead) || !isCount(cacheWrite) || cacheRead > input || cacheWrite > input) return null;
  if (!isCount(reasoning) || reasoning > output) return null;
  if (id !== null && !isName(id)) return null;
  if (traceId !== null && !(typeof traceId === 'string' && TRACE_ID.test(traceId))) return null;
  if (spanId !== null && !(typeof spanId === 'string' && SPAN_ID.test(spanId))) return null;
  if (duration !== null && (typeof duration !== 'number' || !(duration >= 0 && duration <= MAX_DURATION_MS))) return null;
  if (e.timestamp === undefined || e.timestamp === null) return null;
  const instant = parseInstant(e.timestamp);
  if (!('ms' in instant) || instant.ms < 0 || instant.ms > Date.now() + MAX_FUTURE_MS) return null;
  return stored(instant.ms, service, model, modelType, apiKey, input, output, cacheRead, cacheWrite, reasoning, id, duration, traceId, spanId, cost);
}
