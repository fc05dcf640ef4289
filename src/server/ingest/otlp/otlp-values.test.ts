/** Times and ids read the same from every form OTLP sends them in. */
import { describe, expect, test } from 'vitest';
import { OTLP_MESSAGES } from './otlp-proto';
import { durationMs, idToHex, nanosToMs } from './otlp-values';

/** A fixed64 as protobufjs decodes it (a Long), through a real encode and decode. */
function long(nanos: string): unknown {
  const type = OTLP_MESSAGES.traceRequest;
  const bytes = type.encode(type.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: nanos }] }] }] })).finish();
  return (type.decode(bytes) as any).resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano;
}

const NS = '1796011075089123456';

describe('nanosToMs: exact whole milliseconds', () => {
  test.each([
    ['a digit string (OTLP/JSON)', NS],
    ['a Long (protobuf fixed64)', long(NS)],
    ['a BigInt', BigInt(NS)],
  ])('%s', (_form, value) => expect(nanosToMs(value)).toBe(1796011075089));

  test('an instant on a millisecond boundary is not rounded down (the float of it would be)', () => {
    expect(nanosToMs(long('1796011075089000000'))).toBe(1796011075089);
    expect(nanosToMs('1796011075089000000')).toBe(1796011075089);
  });

  test('absent or zero is null', () => {
    for (const v of [undefined, null, 0, '0', long('0'), 0n, 'abc']) expect(nanosToMs(v)).toBeNull();
  });
});

test('durationMs keeps the fraction and refuses an end before the start', () => {
  expect(durationMs('1000000000', '1002500000')).toBe(2.5);
  expect(durationMs(long('1796011075089123456'), long('1796011075090123456'))).toBe(1);
  expect(durationMs('2000000', '1000000')).toBeNull();
});

test('idToHex: bytes and hex alike, lowercase; empty bytes are no id', () => {
  expect(idToHex(Buffer.from('00f067aa0ba902b7', 'hex'))).toBe('00f067aa0ba902b7');
  expect(idToHex(new Uint8Array([0xab, 0xcd]))).toBe('abcd');
  expect(idToHex('00F067AA0BA902B7')).toBe('00f067aa0ba902b7');
  expect(idToHex([])).toBe('');
  expect(idToHex('not hex')).toBeNull();
});
