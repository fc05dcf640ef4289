/**
 * Stored events as the rows DuckDB's appender takes: the raw events table's columns, and the rollup rows a set
 * of events sums to, computed here rather than in SQL (appending rows is what DuckDB does fastest).
 */
import { BASE_SUMS, type BaseSum } from '../../../shared';
import { totalMicros, unpricedCost, type StoredEvent } from '../engine';
import type { Columns } from './duckdb-table-appender';

/** The raw events table's columns of events. */
export function eventColumns(rows: readonly StoredEventWithDims[]): Columns {
  const n = rows.length;
  const col = () => new Array<number | string | null>(n);
  const numbers = () => new Float64Array(n);
  const c = {
    ts: numbers(),
    dims_id: numbers(),
    input_tokens: numbers(),
    output_tokens: numbers(),
    cache_read_tokens: numbers(),
    cache_write_tokens: numbers(),
    reasoning_tokens: numbers(),
    duration_ms: col(),
    id: col(),
    trace_id: col(),
    span_id: col(),
    input_cost_micros: numbers(),
    cache_read_cost_micros: numbers(),
    cache_write_cost_micros: numbers(),
    output_cost_micros: numbers(),
    given_cost_micros: col(),
    unpriced_tokens: numbers(),
    total_tokens: numbers(),
  };
  for (let i = 0; i < n; i++) {
    const { event: e, dimsId } = rows[i];
    const cost = e.cost ?? unpricedCost(e);
    c.ts[i] = e.ts;
    c.dims_id[i] = dimsId;
    c.input_tokens[i] = e.inputTokens;
    c.output_tokens[i] = e.outputTokens;
    c.cache_read_tokens[i] = e.cacheReadTokens;
    c.cache_write_tokens[i] = e.cacheWriteTokens;
    c.reasoning_tokens[i] = e.reasoningTokens;
    c.duration_ms[i] = e.durationMs;
    c.id[i] = e.id;
    c.trace_id[i] = e.traceId;
    c.span_id[i] = e.spanId;
    c.input_cost_micros[i] = cost.inputMicros;
    c.cache_read_cost_micros[i] = cost.cacheReadMicros;
    c.cache_write_cost_micros[i] = cost.cacheWriteMicros;
    c.output_cost_micros[i] = cost.outputMicros;
    c.given_cost_micros[i] = cost.givenMicros;
    c.unpriced_tokens[i] = cost.unpricedTokens;
    c.total_tokens[i] = e.inputTokens + e.outputTokens;
  }
  return c;
}

/** An event with the id of its dimension values. */
export interface StoredEventWithDims {
  event: StoredEvent;
  dimsId: number;
}

/** Each base sum's place in a row of sums. */
const AT = Object.fromEntries(BASE_SUMS.map((c, i) => [c, i])) as Record<BaseSum, number>;
const WIDTH = BASE_SUMS.length;

/** Writes what one event adds to a rollup row into `out` (laid out as BASE_SUMS). */
function eventSums(e: StoredEvent, out: Float64Array): void {
  const c = e.cost ?? unpricedCost(e);
  out[AT.input_tokens] = e.inputTokens;
  out[AT.output_tokens] = e.outputTokens;
  out[AT.cache_read_tokens] = e.cacheReadTokens;
  out[AT.cache_write_tokens] = e.cacheWriteTokens;
  out[AT.reasoning_tokens] = e.reasoningTokens;
  out[AT.requests] = 1;
  out[AT.duration_ms] = e.durationMs ?? 0;
  out[AT.timed_requests] = e.durationMs === null ? 0 : 1;
  out[AT.input_cost_micros] = c.inputMicros;
  out[AT.cache_read_cost_micros] = c.cacheReadMicros;
  out[AT.cache_write_cost_micros] = c.cacheWriteMicros;
  out[AT.output_cost_micros] = c.outputMicros;
  out[AT.given_cost_micros] = c.givenMicros ?? 0;
  out[AT.cost_micros] = totalMicros(c);
  out[AT.unpriced_tokens] = c.unpricedTokens;
}

/**
 * One tier's rollup rows as they are summed: a row per (slot, dims id), its sums in one flat array. Rows arrive in
 * time order, so one slot is open at a time and a row is found by its dims id alone; rows come out in slot order.
 */
class TierRows {
  readonly slots: number[] = [];
  readonly dimsIds: number[] = [];
  sums = new Float64Array(1024 * WIDTH);
  /** The row of each dims id in the open slot, -1 where it has none yet; `touched` lists the dims ids to clear. */
  private readonly rowOfDims: Int32Array;
  private readonly touched: number[] = [];
  private openSlot = -Infinity;

  /** `dimsSpan` is one more than the largest dims id summed. */
  constructor(
    readonly slotMs: number,
    dimsSpan: number,
  ) {
    this.rowOfDims = new Int32Array(dimsSpan).fill(-1);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Adds the `WIDTH` sums at `from` in `sums`; `ts` must not be earlier than the last call's. */
  add(ts: number, dimsId: number, sums: Float64Array, from = 0): void {
    const slot = ts - (ts % this.slotMs);
    if (slot !== this.openSlot) {
      if (slot < this.openSlot) throw new Error(`rollup rows must be summed in time order (${ts} after slot ${this.openSlot})`);
      for (const d of this.touched) this.rowOfDims[d] = -1;
      this.touched.length = 0;
      this.openSlot = slot;
    }
    let row = this.rowOfDims[dimsId];
    if (row < 0) {
      row = this.slots.length;
      this.rowOfDims[dimsId] = row;
      this.touched.push(dimsId);
      this.slots.push(slot);
      this.dimsIds.push(dimsId);
      if ((row + 1) * WIDTH > this.sums.length) {
        const grown = new Float64Array(this.sums.length * 2);
        grown.set(this.sums);
        this.sums = grown;
      }
    }
    const at = row * WIDTH;
    for (let k = 0; k < WIDTH; k++) this.sums[at + k] += sums[from + k];
  }

  /** The rows as columns, in slot order. */
  columns(): Columns {
    const n = this.size;
    const sums = BASE_SUMS.map(() => new Float64Array(n));
    for (let j = 0; j < n; j++) for (let k = 0; k < WIDTH; k++) sums[k][j] = this.sums[j * WIDTH + k];
    return { slot: this.slots, dims_id: this.dimsIds, ...Object.fromEntries(BASE_SUMS.map((name, k) => [name, sums[k]])) };
  }
}

/** The rollup rows of each tier (slot lengths given) that a set of events in time order sums to, as columns. */
export function rollupColumns(rows: readonly StoredEventWithDims[], slotLengths: readonly number[]): { columns: Columns; rows: number }[] {
  let dimsSpan = 1;
  for (const r of rows) dimsSpan = Math.max(dimsSpan, r.dimsId + 1);
  const tiers = slotLengths.map((ms) => new TierRows(ms, dimsSpan));
  // The finest tier is summed from the events, each coarser one from the finest (its slots divide theirs).
  const [finest, ...coarser] = tiers;
  const sums = new Float64Array(WIDTH);
  for (const { event, dimsId } of rows) {
    eventSums(event, sums);
    finest.add(event.ts, dimsId, sums);
  }
  for (const tier of coarser) {
    for (let r = 0; r < finest.size; r++) tier.add(finest.slots[r], finest.dimsIds[r], finest.sums, r * WIDTH);
  }
  return tiers.map((t) => ({ columns: t.columns(), rows: t.size }));
}
