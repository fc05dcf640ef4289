/** The usage event a client sends (snake_case, like providers' usage objects), validated into a StoredEvent. */
import { z } from 'zod';
import { formatIssues, parseInstant } from '../../shared';
import type { StoredEvent } from '../storage/engine';
import { protectApiKey } from './api-keys';

/** Events may be stamped at most this far in the future (clock skew). */
export const MAX_FUTURE_MS = 86_400_000;
/** Longest accepted name (service, model, api key, id). */
export const MAX_NAME_LENGTH = 256;
/** Longest accepted duration: one day. */
export const MAX_DURATION_MS = 86_400_000;

const CONTROL = /[\u0000-\u001f\u007f]/;

const required = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`);

const name = z
  .string({ error: required('a string') })
  .min(1, { error: 'must not be empty' })
  .max(MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` })
  .refine((v) => !CONTROL.test(v), { error: 'must not contain control characters' });

const tokens = (fallback?: number) => {
  const base = z.number({ error: required('an integer >= 0') }).superRefine((n, ctx) => {
    if (!Number.isInteger(n) || n < 0) ctx.addIssue({ code: 'custom', message: 'must be an integer >= 0' });
    else if (n > Number.MAX_SAFE_INTEGER) ctx.addIssue({ code: 'custom', message: `must be at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1)` });
  });
  return fallback === undefined ? base : base.default(fallback);
};

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
      /** Category: `text_generation` (default), `vision`, `embedding`, … or another lowercase id. */
      model_type: z
        .string({ error: 'must be a lowercase id such as text_generation' })
        .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'must be a lowercase id such as text_generation' })
        .default('text_generation'),
      /** The key's id or name (default `unknown`); secret-looking keys are stored as a one-way id. */
      api_key: name.default('unknown'),
      /** Prompt tokens, cached tokens included. */
      input_tokens: tokens(),
      output_tokens: tokens(),
      cache_read_tokens: tokens(0),
      cache_write_tokens: tokens(0),
      /** Idempotency key such as the provider's request id. */
      id: name.nullish(),
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
    if (![e.input_tokens, e.cache_read_tokens, e.cache_write_tokens].every((n) => Number.isSafeInteger(n) && n >= 0)) return;
    if (e.cache_read_tokens > e.input_tokens) ctx.addIssue({ code: 'custom', path: ['cache_read_tokens'], message: 'must not exceed input_tokens' });
    if (e.cache_write_tokens > e.input_tokens) ctx.addIssue({ code: 'custom', path: ['cache_write_tokens'], message: 'must not exceed input_tokens' });
  });

/** A StoredEvent, or the reasons the value is not a valid event (`field: reason; …`). */
export function toStoredEvent(value: unknown): { event: StoredEvent } | { error: string } {
  const parsed = usageEventSchema.safeParse(value);
  if (!parsed.success) return { error: formatIssues(parsed.error.issues).join('; ') };
  const e = parsed.data;
  const key = protectApiKey(e.api_key);
  return {
    event: {
      ts: e.timestamp,
      service: e.service,
      model: e.model,
      modelType: e.model_type,
      apiKey: key.id,
      apiKeyLabel: key.label,
      inputTokens: e.input_tokens,
      outputTokens: e.output_tokens,
      cacheReadTokens: e.cache_read_tokens,
      cacheWriteTokens: e.cache_write_tokens,
      durationMs: e.duration_ms == null ? null : Math.round(e.duration_ms),
      id: e.id ?? null,
    },
  };
}
