/**
 * The benchmark's events, generated as they are sent (100M events do not fit in memory as NDJSON): the demo
 * traffic over 30 days in time order, or scattered so that every batch spans the whole 30 days (a bulk load
 * in random time order, the worst case for rollup merging).
 */
import { demoEventBatches, type DemoEvent } from '../src/server/demo/demo-traffic';

const MINUTE = 60_000;
/** A prime that shares no factor with the minutes of 30 days (2^6·3^3·5^2): m ↦ m·P mod M permutes the minutes. */
const SCATTER = 7919;

export type EventOrder = 'time' | 'random';

export interface BenchTraffic {
  from: number;
  to: number;
  events: number;
  order: EventOrder;
}

/** Batches of `size` events; with order `random` each event's minute is moved by a fixed permutation of the range's minutes. */
export function* benchBatches(traffic: BenchTraffic, size: number): Generator<DemoEvent[]> {
  const minutes = Math.round((traffic.to - traffic.from) / MINUTE);
  const options = { from: traffic.from, to: traffic.to, eventsPerMinute: traffic.events / minutes, seed: 7 };
  for (const batch of demoEventBatches(options, size)) {
    if (traffic.order === 'random') {
      for (const e of batch) {
        const offset = e.timestamp - traffic.from;
        const minute = Math.floor(offset / MINUTE);
        e.timestamp = traffic.from + ((minute * SCATTER) % minutes) * MINUTE + (offset % MINUTE);
      }
    }
    yield batch;
  }
}

/**
 * One NDJSON body per batch, each line written straight into the body's bytes: joining the lines into one string and
 * encoding that cost the sending client a third more CPU, on the machine the server is measured on.
 */
export function* ndjsonBodies(batches: Iterable<DemoEvent[]>): Generator<{ body: Buffer; events: number }> {
  for (const batch of batches) {
    let bytes = Buffer.allocUnsafe(512 * batch.length);
    let at = 0;
    for (const event of batch) {
      const line = JSON.stringify(event);
      // A UTF-16 code unit takes at most three bytes in UTF-8, and the line ends with a newline.
      if (at + 3 * line.length + 1 > bytes.length) {
        const grown = Buffer.allocUnsafe(2 * (at + 3 * line.length + 1));
        bytes.copy(grown, 0, 0, at);
        bytes = grown;
      }
      at += bytes.write(line, at);
      bytes[at++] = 0x0a;
    }
    yield { body: bytes.subarray(0, at), events: batch.length };
  }
}
