/**
 * Reads OTLP values the same way whether they came from protobuf (protobufjs messages: ids as bytes, int64 as
 * Long) or from OTLP/JSON (ids as hex, int64 as a string or a number): one reader for both encodings.
 */

/** A protobufjs Long (int64/fixed64 decoded without loss). */
interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}

const isLong = (v: unknown): v is LongLike => typeof v === 'object' && v !== null && 'low' in v && 'high' in v;

/** An int64 as a BigInt (exact), or null when it is not an integer in any accepted form. */
export function toBigInt(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  // OTLP/JSON may send an int64 as a JSON number; past 2^53 it arrived rounded, which nanosecond times tolerate.
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : null;
  if (typeof value === 'string') return /^-?\d{1,20}$/.test(value) ? BigInt(value) : null;
  if (isLong(value)) {
    const big = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
    return value.unsigned ? big : BigInt.asIntN(64, big);
  }
  return null;
}

/** An int64 as a JS number (exact up to 2^53 - 1, rounded beyond), or null. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  const big = toBigInt(value);
  return big === null ? null : Number(big);
}

/** An instant in Unix nanoseconds split exactly into whole milliseconds and the nanoseconds past them. */
interface SplitNanos {
  ms: number;
  ns: number;
}

// 2^32 ns = 4294 ms + 967296 ns: a Long's high word splits exactly without BigInt (high * 967296 < 2^53).
const HIGH_MS = 4294;
const HIGH_NS = 967_296;

/** Splits a fixed64 time (Long, digit string, number or BigInt) without loss where it was sent without loss; null when absent or not positive. */
function splitNanos(value: unknown): SplitNanos | null {
  if (isLong(value)) {
    const high = value.high >>> 0;
    const rest = high * HIGH_NS + (value.low >>> 0);
    const ms = high * HIGH_MS + Math.floor(rest / 1e6);
    return ms > 0 || rest > 0 ? { ms, ns: rest % 1e6 } : null;
  }
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
    const ms = value.length > 6 ? Number(value.slice(0, -6)) : 0;
    const ns = Number(value.slice(-6));
    return ms > 0 || ns > 0 ? { ms, ns } : null;
  }
  if (typeof value === 'bigint') return value > 0n ? { ms: Number(value / 1_000_000n), ns: Number(value % 1_000_000n) } : null;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) {
    const ms = Math.floor(value / 1e6);
    return { ms, ns: value - ms * 1e6 };
  }
  return null;
}

/** Unix nanoseconds (fixed64) to whole epoch milliseconds, exactly; null when absent or zero. */
export function nanosToMs(value: unknown): number | null {
  return splitNanos(value)?.ms ?? null;
}

/** Nanoseconds between two instants, in (fractional) milliseconds; null when either is missing or end < start. */
export function durationMs(start: unknown, end: unknown): number | null {
  const [a, b] = [splitNanos(start), splitNanos(end)];
  if (a === null || b === null) return null;
  const ms = b.ms - a.ms + (b.ns - a.ns) / 1e6;
  return ms >= 0 ? ms : null;
}

const HEX = /^[0-9a-fA-F]*$/;

/** A trace or span id as lowercase hex: bytes from protobuf, a hex string from OTLP/JSON; '' when absent. */
export function idToHex(value: unknown): string | null {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return HEX.test(value) ? value.toLowerCase() : null;
  if (Array.isArray(value) && value.length === 0) return '';
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  return null;
}

const ONEOF_READERS: Record<string, (v: unknown) => string | number | boolean | null> = {
  stringValue: (v) => (typeof v === 'string' ? v : null),
  intValue: (v) => toNumber(v),
  doubleValue: (v) => (typeof v === 'number' ? v : null),
  boolValue: (v) => (typeof v === 'boolean' ? v : null),
};

/** An attribute's value (an OTLP AnyValue) as a plain string, number or boolean; null for arrays, maps and bytes. */
export function anyValue(value: unknown): string | number | boolean | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  // A protobufjs message names its set oneof member in `value` (unset members read as defaults); JSON has only the set one.
  if (typeof v.value === 'string') return v.value in ONEOF_READERS ? ONEOF_READERS[v.value](v[v.value]) : null;
  if (v.stringValue !== undefined) return typeof v.stringValue === 'string' ? v.stringValue : null;
  if (v.intValue !== undefined) return toNumber(v.intValue);
  if (v.doubleValue !== undefined) return typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue);
  if (v.boolValue !== undefined) return typeof v.boolValue === 'boolean' ? v.boolValue : null;
  return null;
}
