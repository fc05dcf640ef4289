/** One event per model call: which usage spans of a trace count, within a batch and across batches. */
import { describe, expect, test } from 'vitest';
import { ModelCallIndex } from './model-call-index';

const T = 'a'.repeat(32);
const span = (spanId: string, parentSpanId = '', traceId = T) => ({ traceId, spanId, parentSpanId });
/** Links every span of a batch, then selects its usage spans, as the translator does. */
function batch(index: ModelCallIndex, spans: ReturnType<typeof span>[], usage: string[]): string[] {
  for (const s of spans) index.link(s.traceId, s.spanId, s.parentSpanId);
  return index.select(spans.filter((s) => usage.includes(s.spanId))).map((s) => s.spanId);
}

describe('within one batch', () => {
  test('a wrapper span above an SDK span counts the SDK span only', () => {
    expect(batch(new ModelCallIndex(), [span('wrap'), span('sdk', 'wrap')], ['wrap', 'sdk'])).toEqual(['sdk']);
  });
  test('through spans without usage in between, at any depth', () => {
    const spans = [span('step'), span('mid1', 'step'), span('mid2', 'mid1'), span('call', 'mid2'), span('http', 'call')];
    expect(batch(new ModelCallIndex(), spans, ['step', 'call'])).toEqual(['call']);
  });
  test('sibling calls under one step both count, the step does not', () => {
    expect(batch(new ModelCallIndex(), [span('step'), span('a', 'step'), span('b', 'step')], ['step', 'a', 'b'])).toEqual(['a', 'b']);
  });
  test('calls under a parent without usage all count', () => {
    expect(batch(new ModelCallIndex(), [span('agent'), span('a', 'agent'), span('b', 'agent')], ['a', 'b'])).toEqual(['a', 'b']);
  });
  test('the same span ids in another trace are another call', () => {
    const index = new ModelCallIndex();
    expect(batch(index, [span('x'), span('y', 'x')], ['x', 'y'])).toEqual(['y']);
    expect(batch(index, [span('x', '', 'b'.repeat(32))], ['x'])).toEqual(['x']);
  });
});

describe('across batches', () => {
  test('the inner span first (the usual export order), then its wrapper: the wrapper does not count', () => {
    const index = new ModelCallIndex();
    expect(batch(index, [span('sdk', 'wrap')], ['sdk'])).toEqual(['sdk']);
    expect(batch(index, [span('wrap')], ['wrap'])).toEqual([]);
  });
  test('the wrapper first, then the inner span: the inner one does not count (the call is counted once, from the wrapper)', () => {
    const index = new ModelCallIndex();
    expect(batch(index, [span('wrap')], ['wrap'])).toEqual(['wrap']);
    expect(batch(index, [span('sdk', 'wrap')], ['sdk'])).toEqual([]);
  });
  test('a link through a span without usage that arrived in an earlier batch', () => {
    const index = new ModelCallIndex();
    expect(batch(index, [span('call', 'mid')], ['call'])).toEqual(['call']);
    expect(batch(index, [span('mid', 'step')], [])).toEqual([]);
    expect(batch(index, [span('step')], ['step'])).toEqual([]);
  });
  test('a re-export counts the same spans again (the store then drops them by id) and never the wrapper', () => {
    const index = new ModelCallIndex();
    const spans = [span('wrap'), span('sdk', 'wrap')];
    expect(batch(index, spans, ['wrap', 'sdk'])).toEqual(['sdk']);
    expect(batch(index, spans, ['wrap', 'sdk'])).toEqual(['sdk']);
    expect(batch(index, [span('sdk', 'wrap')], ['sdk'])).toEqual(['sdk']);
  });
  test('a forgotten trace (past the bound) counts its wrapper again: the documented limit', () => {
    const index = new ModelCallIndex(10, 1);
    expect(batch(index, [span('sdk', 'wrap')], ['sdk'])).toEqual(['sdk']);
    batch(index, [span('other', '', 'c'.repeat(32))], ['other']);
    expect(batch(index, [span('wrap')], ['wrap'])).toEqual(['wrap']);
  });
});
