/** Rows of base sums: an empty row and adding one row into another, the only arithmetic engines and queries share. */
import type { BaseSums } from './catalogue';

/** A row of base sums, every one 0. */
export function zeroSums(): BaseSums {
  // A literal, not a loop over BASE_SUMS: every BaseSums then shares one object shape, which keeps the
  // per-row work of large results fast. The type check fails if BASE_SUMS changes and this does not.
  const sums: BaseSums = {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    requests: 0,
    duration_ms: 0,
    timed_requests: 0,
    input_cost_micros: 0,
    cache_read_cost_micros: 0,
    cache_write_cost_micros: 0,
    output_cost_micros: 0,
    given_cost_micros: 0,
    cost_micros: 0,
    unpriced_tokens: 0,
  };
  return sums;
}

/** Adds `more` into `into` and returns it. */
export function addSums(into: BaseSums, more: BaseSums): BaseSums {
  into.input_tokens += more.input_tokens;
  into.output_tokens += more.output_tokens;
  into.cache_read_tokens += more.cache_read_tokens;
  into.cache_write_tokens += more.cache_write_tokens;
  into.reasoning_tokens += more.reasoning_tokens;
  into.requests += more.requests;
  into.duration_ms += more.duration_ms;
  into.timed_requests += more.timed_requests;
  into.input_cost_micros += more.input_cost_micros;
  into.cache_read_cost_micros += more.cache_read_cost_micros;
  into.cache_write_cost_micros += more.cache_write_cost_micros;
  into.output_cost_micros += more.output_cost_micros;
  into.given_cost_micros += more.given_cost_micros;
  into.cost_micros += more.cost_micros;
  into.unpriced_tokens += more.unpriced_tokens;
  return into;
}
