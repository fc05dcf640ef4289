/**
 * What a call cost: a cost the source gave wins; otherwise each part is its tokens times the price in effect
 * at the call's time, rounded to whole micro-units half up, part by part, so the parts add up to the cost
 * exactly. A call with no price, or whose cost would not fit a safe integer, is unpriced.
 */
import { unpricedCost, type EventCost, type StoredEvent } from '../storage/engine';
import { roundedProduct } from './decimal';
import type { PriceLookup } from './price-lookup';

/** The cost of one stored event under `lookup`'s prices. */
export function eventCost(event: StoredEvent, lookup: PriceLookup): EventCost {
  if (event.cost && event.cost.givenMicros !== null) return event.cost;
  const price = lookup.find(event.service, event.model, event.ts);
  if (!price) return unpricedCost(event);
  const uncached = Math.max(0, event.inputTokens - event.cacheReadTokens - event.cacheWriteTokens);
  const reasoning = Math.min(event.reasoningTokens, event.outputTokens);
  const cost: EventCost = {
    inputMicros: roundedProduct(uncached, price.input),
    cacheReadMicros: roundedProduct(event.cacheReadTokens, price.cacheRead),
    cacheWriteMicros: roundedProduct(event.cacheWriteTokens, price.cacheWrite),
    // Reasoning tokens are output tokens; only an entry with its own reasoning price bills them differently.
    outputMicros:
      price.reasoning === price.output || reasoning === 0
        ? roundedProduct(event.outputTokens, price.output)
        : roundedProduct(event.outputTokens - reasoning, price.output) + roundedProduct(reasoning, price.reasoning),
    givenMicros: null,
    unpricedTokens: 0,
  };
  const total = cost.inputMicros + cost.cacheReadMicros + cost.cacheWriteMicros + cost.outputMicros;
  return Number.isSafeInteger(total) ? cost : unpricedCost(event);
}

/**
 * Sets each event's cost, in place: the events are the ingest request's own, and copying each one would cost
 * several times more than pricing it.
 */
export function priceEvents(events: readonly StoredEvent[], lookup: PriceLookup): readonly StoredEvent[] {
  for (const e of events) e.cost = eventCost(e, lookup);
  return events;
}
