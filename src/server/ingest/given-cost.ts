/** A cost the source of an event already knows (its `cost` field), as whole micro-units of the reporting currency. */
import type { EventCost } from '../storage/engine';
import { parseDecimal } from '../pricing/decimal';

/** The largest cost one event may carry: its micro-units stay a safe integer. */
export const MAX_GIVEN_COST = 9_000_000_000;

export const GIVEN_COST_ERROR = `must be a number from 0 to ${MAX_GIVEN_COST} (the call's cost in the reporting currency) with at most 12 decimal places`;

/**
 * The event cost for a source-given amount (a JSON number or decimal text), rounded to whole micro-units half
 * up and held whole: the source does not say how it splits into input, cache and output. Null when invalid.
 */
export function givenCost(value: unknown): EventCost | null {
  if (typeof value !== 'number' && typeof value !== 'string') return null;
  const amount = parseDecimal(value);
  if (typeof amount === 'string') return null;
  const micros = (2n * amount.num * 1_000_000n + amount.den) / (2n * amount.den);
  if (micros > BigInt(MAX_GIVEN_COST) * 1_000_000n) return null;
  return { inputMicros: 0, cacheReadMicros: 0, cacheWriteMicros: 0, outputMicros: 0, givenMicros: Number(micros), unpricedTokens: 0 };
}
