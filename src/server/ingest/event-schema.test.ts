import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { toStoredEvent, toStoredEventBySchema } from './event-schema';

const now = Date.now();
const valid = { timestamp: new Date(now - 60_000).toISOString(), service: 'chat', model: 'glm-5', input_tokens: 100, output_tokens: 20 };

/** Values for each field: good ones and every kind of bad one. */
const field = {
  timestamp: fc.oneof(
    fc.integer({ min: -1000, max: now + 2 * 86_400_000 }),
    fc.date({ min: new Date(0), max: new Date(now + 2 * 86_400_000), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('2026-02-30T00:00:00Z', '2026-01-01 10:00:00.123456', '2026-01-01T10:00:00+05:30', 'yesterday', '', 1.5, null, undefined, {}),
  ),
  name: fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ minLength: 250, maxLength: 260 }),
    fc.constantFrom('', 'a\u0000b', 'tab\there', 'sk-live-abcdef0123456789abcdef', 5, null, undefined),
  ),
  count: fc.oneof(fc.nat(), fc.integer({ min: -5, max: 5 }), fc.constantFrom(2 ** 53, 2 ** 60, 1.5, NaN, '10', null, undefined, -0)),
  modelType: fc.oneof(fc.constantFrom('text_generation', 'vision', 'Text', 'a'.repeat(65), '9x', 5, undefined, null)),
  duration: fc.oneof(fc.double({ min: -10, max: 2e8, noNaN: false }), fc.constantFrom(undefined, null, '100')),
  cost: fc.oneof(fc.double({ min: -1, max: 1e10, noNaN: false }), fc.constantFrom(undefined, null, '0.25', 'free', 1e-13, 9e9, 9.1e9, {})),
  traceId: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.constantFrom('0AF7651916CD43DD8448EB211C80319C', 'abc', '', 5, null, undefined)),
  spanId: fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), fc.constantFrom('b7ad6b716920333', 'zzzzzzzzzzzzzzzz', null, undefined)),
};

describe('toStoredEvent', () => {
  test('the fast path never disagrees with the zod schema', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            timestamp: field.timestamp,
            service: field.name,
            model: field.name,
            model_type: field.modelType,
            api_key: field.name,
            input_tokens: field.count,
            output_tokens: field.count,
            cache_read_tokens: field.count,
            cache_write_tokens: field.count,
            reasoning_tokens: field.count,
            id: field.name,
            duration_ms: field.duration,
            cost: field.cost,
            trace_id: field.traceId,
            span_id: field.spanId,
          },
          { requiredKeys: [] },
        ),
        (event) => {
          expect(toStoredEvent(event)).toEqual(toStoredEventBySchema(event));
        },
      ),
      { numRuns: 5000 },
    );
  });

  test('valid events with every optional field take the fast path and come out the same', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1000 }),
        fc.nat({ max: 1000 }),
        fc.nat({ max: 100 }),
        fc.double({ min: 0, max: 86_400_000, noNaN: true }),
        (input, output, cached, duration) => {
          const event = { ...valid, input_tokens: input + cached, output_tokens: output, cache_read_tokens: cached, duration_ms: duration, id: `r-${input}` };
          const result = toStoredEvent(event);
          expect(result).toEqual(toStoredEventBySchema(event));
          expect('event' in result).toBe(true);
        },
      ),
    );
  });

  test('a cost the source gave is kept whole, in micro-units rounded half up', () => {
    const priced = (cost: unknown) => {
      const result = toStoredEvent({ ...valid, cost });
      return 'event' in result ? result.event.cost : result.error;
    };
    expect(priced(0.0123)).toEqual({ inputMicros: 0, cacheReadMicros: 0, cacheWriteMicros: 0, outputMicros: 0, givenMicros: 12_300, unpricedTokens: 0 });
    expect(priced('0.0000005')).toMatchObject({ givenMicros: 1 }); // half a micro-unit rounds up
    expect(priced(0)).toMatchObject({ givenMicros: 0 });
    expect(priced(null)).toBeUndefined();
    expect(priced(-1)).toBe("cost: must be a number from 0 to 9000000000 (the call's cost in the reporting currency) with at most 12 decimal places");
  });

  test('reasoning tokens are part of output, and trace and span ids are lowercase hex of their length', () => {
    expect(toStoredEvent({ ...valid, reasoning_tokens: 21 })).toEqual({
      error: 'reasoning_tokens: must not exceed output_tokens (reasoning tokens are part of output)',
    });
    expect(toStoredEvent({ ...valid, trace_id: 'ABC' })).toEqual({ error: 'trace_id: must be 32 lowercase hex digits' });
    expect(toStoredEvent({ ...valid, span_id: '12' })).toEqual({ error: 'span_id: must be 16 lowercase hex digits' });
    const ok = toStoredEvent({ ...valid, reasoning_tokens: 20, trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' });
    expect(ok).toMatchObject({ event: { outputTokens: 20, reasoningTokens: 20, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' } });
    expect(toStoredEvent(valid)).toMatchObject({ event: { reasoningTokens: 0, traceId: null, spanId: null } });
  });

  test('non-objects are refused', () => {
    for (const value of [null, 5, 'x', [valid]]) expect(toStoredEvent(value)).toEqual({ error: 'must be a JSON object' });
  });
});
