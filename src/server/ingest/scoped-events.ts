/**
 * The check every ingested event passes, whatever format it came in: the caller's pinned service fills a missing
 * one, the event is validated, and an event outside the caller's scope is rejected with a reason that names the
 * token (never its secret). Ingest adapters hand their events to `eventValidator(request.principal)`.
 */
import { scopeViolation, type DimensionId, type Scope } from '../../shared';
import type { StoredEvent } from '../storage/engine';
import { toStoredEvent } from './event-schema';

/** What ingest needs to know of the caller (a token's principal satisfies it). */
export interface IngestCaller {
  /** The token's name. */
  name: string;
  /** What it may write; null: everything. */
  scope: Scope | null;
  /** The service given to events that carry none; null: none. */
  service: string | null;
}

export type EventCheck = (value: unknown) => { event: StoredEvent } | { error: string };

/**
 * The validator for one request's events; `caller` null (auth off) checks the event only. `oldestTs`: events
 * stamped earlier are refused, for raw retention has dropped their time (the events and the ids a resend is
 * recognised by; pass the store's `heldFrom().raw`); 0 accepts every time.
 */
export function eventValidator(caller: IngestCaller | null, oldestTs = 0): EventCheck {
  const check = scopedValidator(caller);
  if (oldestTs <= 0) return check;
  return (value) => {
    const result = check(value);
    return 'event' in result && result.event.ts < oldestTs ? { error: tooOld(oldestTs) } : result;
  };
}

function tooOld(oldestTs: number): string {
  return `timestamp: before ${new Date(oldestTs).toISOString()}, older than raw retention keeps (TOKENSCOPE_RAW_RETENTION); an event this old can no longer be stored or recognised as a resend`;
}

function scopedValidator(caller: IngestCaller | null): EventCheck {
  if (!caller || (!caller.scope && !caller.service)) return toStoredEvent;
  const { name, scope, service } = caller;
  return (value) => {
    let input = value;
    if (service !== null && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const e = value as Record<string, unknown>;
      if (e.service === undefined || e.service === null) input = { ...e, service };
    }
    const result = toStoredEvent(input);
    if (!('event' in result) || !scope) return result;
    const e = result.event;
    const fields: Record<DimensionId, string> = { service: e.service, model: e.model, model_type: e.modelType, api_key: e.apiKey };
    const outside = scopeViolation(scope, fields);
    if (outside === null) return result;
    const shown = outside === 'api_key' ? e.apiKeyLabel : fields[outside];
    return { error: `${outside}: '${shown}' is outside the scope of token '${name}' (${outside} in [${scope[outside]!.join(', ')}])` };
  };
}
